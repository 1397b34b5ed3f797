using System.Globalization;
using System.Text;
using System.Text.Json;
using Sharpcracker.Configuration;
using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// A key's placement in one pool and why. <see cref="Text"/> is what <c>sharpcracker --route</c>
/// prints and <c>/route?format=text</c> answers, so the two can be compared line for line.
/// </summary>
/// <param name="Explanation">The router's steps; null for a vbucket pool.</param>
/// <param name="VBucket">The key's vBucket (vbucket pools), else -1.</param>
/// <param name="ServerIndex">The server the proxy sends the key to now; -1 when none.</param>
/// <param name="HomeIndex">The server with every server in service.</param>
/// <param name="Excluded">Servers out of the continuum now (ejected).</param>
internal sealed record RouteAnswer(PoolConfig Pool, byte[] Key, RouteExplanation? Explanation, int VBucket, int ServerIndex, int HomeIndex, IReadOnlyList<int> Excluded)
{
    public string ServerName => ServerIndex < 0 ? "(none)" : Pool.Servers[ServerIndex].Name;

    public string Text()
    {
        var sb = new StringBuilder();
        var pool = Pool;
        sb.Append(CultureInfo.InvariantCulture, $"pool {pool.Name} ({(pool.Redis ? "redis" : "memcached")}, {(pool.ServesRoutesOnly ? "no listen: serves routes only" : "listen " + pool.Listen.Text)})\n");
        sb.Append(CultureInfo.InvariantCulture, $"key: {Show(Key)} ({Key.Length} bytes)\n");
        if (Explanation is null && pool.VBuckets is null)
        {
            // redis_cluster: the slot is fixed; which node serves it is the cluster's (and may change).
            sb.Append(CultureInfo.InvariantCulture, $"redis_cluster: crc16 of the key (of its {{...}} tag when it has one) -> hash slot {VBucket} of 16384; the cluster's slot map names its master (CLUSTER SLOTS)\n");
            return sb.ToString();
        }
        if (Explanation is not { } e)
        {
            var map = pool.VBuckets!;
            sb.Append(CultureInfo.InvariantCulture, $"vbucket: crc32 of the key -> vBucket {VBucket} of {map.VBucketCount}; its master is server index {ServerIndex}\n");
        }
        else
        {
            var hashed = Key.AsSpan(e.HashedOffset, e.HashedLength).ToArray();
            sb.Append(pool.HashTag is { } tag
                ? e.TagMatched
                    ? $"hash_tag \"{tag}\": only {Show(hashed)} is hashed\n"
                    : $"hash_tag \"{tag}\": no tag in the key; the whole key is hashed\n"
                : "hash_tag: none; the whole key is hashed\n");
            sb.Append(CultureInfo.InvariantCulture, $"hash: {KeyHasher.Name(pool.Hash)}({Show(hashed)}) = {e.Hash} (0x{e.Hash:x8}){(Key.Length == 0 ? " (an empty key hashes to 0)" : "")}\n");
            var live = pool.Servers.Count - Excluded.Count;
            var over = $"{live} of {pool.Servers.Count} servers";
            sb.Append(e.Step switch
            {
                RouteStep.NoServer => $"distribution: {DistributionKinds.Name(pool.Distribution)}: no server in service\n",
                RouteStep.OnlyServer => $"distribution: {DistributionKinds.Name(pool.Distribution)} over {over}: one server takes every key (not hashed)\n",
                RouteStep.KetamaPoint => $"distribution: ketama over {over}: continuum point {e.Position} of {e.PositionCount} (value {e.PositionValue}) is the first at or after the hash\n",
                RouteStep.ModulaSlot => $"distribution: modula over {over}: slot {e.Position} = hash % {e.PositionValue} (slots given out by weight in server order)\n",
                _ => $"distribution: random over {over}: every request picks a server at random; this pick is one of them\n",
            });
        }
        sb.Append(ServerIndex < 0
            ? "server: none (SERVER_ERROR no server available)\n"
            : $"server: {ServerName} {pool.Servers[ServerIndex].EndpointText} (index {ServerIndex})\n");
        if (Excluded.Count > 0)
        {
            sb.Append("ejected now: ").Append(string.Join(", ", Excluded.Select(i => pool.Servers[i].Name))).Append('\n');
            if (HomeIndex != ServerIndex && HomeIndex >= 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"with every server in service: {pool.Servers[HomeIndex].Name} (index {HomeIndex})\n");
            }
        }
        return sb.ToString();
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("pool", Pool.Name);
        w.WriteString("key", IsPrintable(Key) ? Encoding.ASCII.GetString(Key) : null);
        w.WriteString("key_base64", Convert.ToBase64String(Key));
        w.WriteString("hash_function", KeyHasher.Name(Pool.Hash));
        w.WriteString("distribution", DistributionKinds.Name(Pool.Distribution));
        if (Explanation is { } e)
        {
            w.WriteString("hash_tag", Pool.HashTag);
            w.WriteBoolean("tag_matched", e.TagMatched);
            w.WriteString("hashed_part_base64", Convert.ToBase64String(Key, e.HashedOffset, e.HashedLength));
            w.WriteNumber("hash", e.Hash);
            w.WriteString("step", e.Step.ToString());
            if (e.Step == RouteStep.KetamaPoint)
            {
                w.WriteNumber("point_index", e.Position);
                w.WriteNumber("point_value", e.PositionValue);
                w.WriteNumber("points", e.PositionCount);
            }
            else if (e.Step == RouteStep.ModulaSlot)
            {
                w.WriteNumber("slot", e.Position);
                w.WriteNumber("slots", e.PositionValue);
            }
        }
        else if (Pool.VBuckets is null)
        {
            w.WriteNumber("hash_slot", VBucket); // redis_cluster
        }
        else
        {
            w.WriteNumber("vbucket", VBucket);
            w.WriteNumber("vbuckets", Pool.VBuckets!.VBucketCount);
        }
        WriteServer(w, "server", ServerIndex);
        WriteServer(w, "server_all_in_service", HomeIndex);
        w.WriteStartArray("ejected");
        foreach (var i in Excluded)
        {
            w.WriteStringValue(Pool.Servers[i].Name);
        }
        w.WriteEndArray();
        w.WriteString("explanation", Text());
        w.WriteEndObject();
    }

    private void WriteServer(Utf8JsonWriter w, string name, int index)
    {
        if (index < 0)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartObject(name);
        w.WriteString("name", Pool.Servers[index].Name);
        w.WriteString("address", Pool.Servers[index].EndpointText);
        w.WriteNumber("index", index);
        w.WriteEndObject();
    }

    /// <summary>Printable ASCII as it is, anything else as base64 (binary keys, meta commands' <c>b</c> flag).</summary>
    internal static string Show(byte[] bytes)
        => IsPrintable(bytes) ? $"'{Encoding.ASCII.GetString(bytes)}'" : $"base64:{Convert.ToBase64String(bytes)}";

    internal static bool IsPrintable(byte[] bytes) => bytes.All(b => b is > 0x20 and < 0x7f);
}
