using System.Runtime.CompilerServices;

namespace Sharpcracker.Tests;

/// <summary>A failed Debug.Assert ends the test run (<see cref="Testing.FailFastAsserts"/>).</summary>
internal static class FailFastAssertsInstaller
{
    [ModuleInitializer]
    internal static void Install() => Testing.FailFastAsserts.Install();
}
