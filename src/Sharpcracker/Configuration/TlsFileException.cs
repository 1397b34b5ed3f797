using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sharpcracker.Configuration;

/// <summary>A certificate, key or CA file that cannot be used; <see cref="Key"/> is the config key naming it.</summary>
internal sealed class TlsFileException(string key, string message) : Exception(message)
{
    public string Key { get; } = key;
}
