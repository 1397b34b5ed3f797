using System.Globalization;
using System.Text;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// What the proxy's INFO adds up from its servers' INFO replies: <c>blocked_clients</c>, and the
/// Keyspace section per database (<c>dbN:keys=…,expires=…,avg_ttl=…</c>: keys and expires summed,
/// avg_ttl averaged weighted by each server's expires, as one server's would be).
/// </summary>
internal sealed class RedisInfoTotals
{
    private readonly SortedDictionary<int, (long Keys, long Expires, double TtlSum)> _dbs = [];

    /// <summary>Servers whose INFO was added.</summary>
    public int Servers { get; private set; }

    public long BlockedClients { get; private set; }

    /// <summary>Adds one server's INFO text.</summary>
    public void Add(string info)
    {
        if (info.Length == 0)
        {
            return;
        }
        Servers++;
        foreach (var raw in info.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("blocked_clients:", StringComparison.Ordinal)
                && long.TryParse(line.AsSpan("blocked_clients:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var blocked))
            {
                BlockedClients += blocked;
                continue;
            }
            if (!line.StartsWith("db", StringComparison.Ordinal) || line.IndexOf(':') is not (var colon and > 2)
                || !int.TryParse(line.AsSpan(2, colon - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var db))
            {
                continue;
            }
            long keys = 0, expires = 0, avgTtl = 0;
            foreach (var field in line[(colon + 1)..].Split(','))
            {
                var eq = field.IndexOf('=');
                if (eq < 0 || !long.TryParse(field.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    continue;
                }
                switch (field[..eq])
                {
                    case "keys":
                        keys = value;
                        break;
                    case "expires":
                        expires = value;
                        break;
                    case "avg_ttl":
                        avgTtl = value;
                        break;
                }
            }
            var total = _dbs.GetValueOrDefault(db);
            _dbs[db] = (total.Keys + keys, total.Expires + expires, total.TtlSum + ((double)avgTtl * expires));
        }
    }

    /// <summary>The Clients section's line (appended where the proxy's Clients section ends).</summary>
    public void AppendClients(StringBuilder text)
        => text.Append("blocked_clients:").Append(BlockedClients.ToString(CultureInfo.InvariantCulture)).Append("\r\n");

    /// <summary>"# Keyspace" and one line per database any server reported, as redis-server writes it.</summary>
    public void AppendKeyspace(StringBuilder text)
    {
        text.Append("\r\n# Keyspace\r\n");
        foreach (var (db, (keys, expires, ttlSum)) in _dbs)
        {
            var avg = expires == 0 ? 0 : (long)(ttlSum / expires);
            text.Append(CultureInfo.InvariantCulture, $"db{db}:keys={keys},expires={expires},avg_ttl={avg}\r\n");
        }
    }
}
