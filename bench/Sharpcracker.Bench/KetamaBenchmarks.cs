using System.Text;
using BenchmarkDotNet.Attributes;
using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Bench;

/// <summary>
/// Ketama with 10 servers (1600 points): pure continuum lookup of precomputed hashes, and full routing
/// (hash_tag check, fnv1a_64, lookup) of typical keys. Each invocation handles 1024 keys.
/// </summary>
[MemoryDiagnoser]
public class KetamaBenchmarks
{
    private const int Keys = 1024;
    private KeyRouter _router = null!;
    private readonly uint[] _hashes = new uint[Keys];
    private readonly byte[][] _keys = new byte[Keys][];
    private List<ContinuumMember> _members = [];

    [GlobalSetup]
    public void Setup()
    {
        _members = Enumerable.Range(0, 10).Select(i => new ContinuumMember(i, $"10.0.0.{i + 1}:11211", 1)).ToList();
        _router = new KeyRouter(HashKind.Fnv1a_64, HashTag.None, DistributionKind.Ketama, _members);
        var random = new Random(42);
        for (int i = 0; i < Keys; i++)
        {
            _hashes[i] = (uint)random.NextInt64(0, 1L << 32);
            _keys[i] = Encoding.ASCII.GetBytes($"user:{random.Next(1_000_000)}:session");
        }
    }

    [Benchmark(OperationsPerInvoke = Keys)]
    public int KetamaLookup()
    {
        int sum = 0;
        foreach (uint hash in _hashes)
        {
            sum += _router.RouteHash(hash);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Keys)]
    public int KetamaRouteFnv1a64()
    {
        int sum = 0;
        foreach (byte[] key in _keys)
        {
            sum += _router.Route(key);
        }
        return sum;
    }

    /// <summary>Rebuilding the continuum (what an ejection costs): 400 MD5s, sort of 1600 points.</summary>
    [Benchmark]
    public int KetamaBuild() =>
        new KeyRouter(HashKind.Fnv1a_64, HashTag.None, DistributionKind.Ketama, _members).LiveCount;
}
