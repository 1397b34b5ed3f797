using BenchmarkDotNet.Attributes;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Bench;

/// <summary>Each twemproxy key hash on one key of 10 and of 100 bytes (printable ASCII, fixed seed).</summary>
[MemoryDiagnoser]
public class HashBenchmarks
{
    private byte[] _key = [];

    /// <summary>A <see cref="HashKind"/> name (the enum is internal to the proxy; BenchmarkDotNet needs public parameter types).</summary>
    [ParamsSource(nameof(HashNames))]
    public string Hash { get; set; } = "";

    public static IEnumerable<string> HashNames => Enum.GetNames<HashKind>();

    private HashKind _hash;

    [Params(10, 100)]
    public int KeyLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _hash = Enum.Parse<HashKind>(Hash);
        var random = new Random(42);
        _key = new byte[KeyLength];
        for (int i = 0; i < _key.Length; i++)
        {
            _key[i] = (byte)random.Next(0x21, 0x7f);
        }
    }

    [Benchmark]
    public uint HashKey() => KeyHasher.Hash(_hash, _key);
}
