using SharpFuzz;

namespace Sharpcracker.Fuzz;

/// <summary>
/// sharpcracker-fuzz TARGET: the AFL++ fork server loop for one target (./scripts/fuzz starts it
/// under afl-fuzz, with sharpcracker.dll instrumented by SharpFuzz).
/// sharpcracker-fuzz replay TARGET FILE...: runs files through a target's checks, printing failures.
/// sharpcracker-fuzz list: the target names. sharpcracker-fuzz seed DIR: writes the seed inputs.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        switch (args)
        {
            case ["list"]:
                foreach (var t in FuzzTargets.All)
                {
                    Console.WriteLine(t.Name);
                }
                return 0;
            case ["seed", var dir]:
                Seeds.Write(dir);
                return 0;
            case ["replay", var name, .. var files] when FuzzTargets.Find(name) is { } replayed:
                var failed = 0;
                foreach (var file in files)
                {
                    try
                    {
                        replayed.Check(File.ReadAllBytes(file));
                    }
                    catch (Exception e)
                    {
                        failed++;
                        Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
                        if (Environment.GetEnvironmentVariable("FUZZ_STACK") is not null)
                        {
                            Console.WriteLine(e.StackTrace);
                        }
                    }
                }
                Console.WriteLine($"{files.Length - failed} passed, {failed} failed");
                return failed == 0 ? 0 : 1;
            case [var name] when FuzzTargets.Find(name) is { } target:
                var buffer = new MemoryStream();
                // In-process persistent mode: one process runs many inputs; an exception is a crash.
                Fuzzer.Run(stream =>
                {
                    buffer.SetLength(0);
                    stream.CopyTo(buffer);
                    target.Check(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
                });
                return 0;
            default:
                Console.Error.WriteLine("usage: sharpcracker-fuzz TARGET | replay TARGET FILE... | list | seed DIR");
                Console.Error.WriteLine("targets: " + string.Join(' ', FuzzTargets.All.Select(t => t.Name)));
                return 2;
        }
    }
}
