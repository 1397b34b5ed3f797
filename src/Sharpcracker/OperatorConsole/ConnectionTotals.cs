using System.Text;
using Sharpcracker.Stats;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// twemproxy's top-level connection counts: every connection object it has, i.e. one listener
/// per pool plus client connections plus server connections (current, and ever opened).
/// </summary>
internal readonly record struct ConnectionTotals(long Current, long Total)
{
    public static ConnectionTotals Of(IReadOnlyList<PoolStats> pools)
    {
        long current = 0, total = 0;
        foreach (var pool in pools)
        {
            current += 1 + pool.ClientConnections;
            total += 1 + pool.ClientsAccepted;
            foreach (var server in pool.Servers)
            {
                current += server.SampleQueues().Connections;
                total += server.ConnectionsOpened;
            }
        }
        return new ConnectionTotals(current, total);
    }
}
