using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.OperatorConsole;
using Sharpcracker.Pools;

namespace Sharpcracker.Hosting;

/// <summary>The console's view of a <see cref="ProxyHost"/>.</summary>
internal sealed class ProxyHostView(ProxyHost host) : IProxyView
{
    public ProxyConfig Config => host.Config;

    public IReadOnlyList<(int Worker, long Clients, long Requests)> WorkerLoads => host.WorkerLoads;

    public IReadOnlyList<ServerPool> Pools
    {
        get
        {
            // The host's pool table changes only during a reload (under the host's reload lock, which
            // the console must not take: a slow reload would stall a probe). Copying it while a reload
            // edits it can throw; a reload is short and rare, so copy again.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var order = Config.Pools.Select((p, i) => (p.Listen.Text, i)).ToDictionary(x => x.Text, x => x.i, StringComparer.Ordinal);
                    return host.Pools.OrderBy(p => order.GetValueOrDefault(p.Config.Listen.Text, int.MaxValue)).ToArray();
                }
                catch (InvalidOperationException) when (attempt < 100)
                {
                    Thread.Yield();
                }
            }
        }
    }
}
