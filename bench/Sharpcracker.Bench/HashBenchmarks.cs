using BenchmarkDotNet.Attributes;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Bench;

/// <summary>Each twemproxy key hash on one key of 10 and of 100 bytes (printable ASCII, fixed seed).</summary>
[MemoryDiagnoser]
public class HashBenchmarks
{
    private byte[] _key = [];

    [ParamsAllValues]
    public HashKind Hash { get; set; }

    [Params(10, 100)]
    public int KeyLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _key = new byte[KeyLength];
        for (int i = 0; i < _key.Length; i++)
        {
            _key[i] = (byte)random.Next(0x21, 0x7f);
        }
    }

    [Benchmark]
    public uint HashKey() => KeyHasher.Hash(Hash, _key);
}
