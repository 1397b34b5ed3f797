using System.Globalization;
using System.Text;
using Sharpcracker.Configuration;
using Sharpcracker.OperatorConsole;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>Where the proxy sends a key, asked of its own routing objects with every server in service (no auto-eject in these tests, so that is where it goes).</summary>
internal static class KeyPlacement
{
    /// <summary>The name of the server of <paramref name="pool"/> that <paramref name="key"/> goes to.</summary>
    public static string ServerOf(PoolConfig pool, string key) => RouteLookup.Offline(pool, Encoding.ASCII.GetBytes(key)).ServerName;

    /// <summary>The first key <paramref name="prefix"/>N that goes to server <paramref name="serverIndex"/>.</summary>
    public static string KeyOn(PoolConfig pool, int serverIndex, string prefix)
    {
        for (var i = 0; ; i++)
        {
            var key = prefix + i.ToString(CultureInfo.InvariantCulture);
            if (RouteLookup.Offline(pool, Encoding.ASCII.GetBytes(key)).ServerIndex == serverIndex)
            {
                return key;
            }
        }
    }
}
