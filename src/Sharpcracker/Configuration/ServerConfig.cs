
namespace Sharpcracker.Configuration;

/// <summary>
/// One backend. <see cref="Name"/> is twemproxy's server name: the explicit name, else
/// host:port, else just host when the port is 11211; it seeds ketama points and keys stats.
/// </summary>
internal sealed record ServerConfig(string Text, string? Host, int Port, string? UnixPath, int Weight, string Name, bool HasExplicitName)
{
    public bool IsUnix => UnixPath is not null;

    public string EndpointText => IsUnix ? UnixPath! : Host + ":" + Port;

    /// <summary>
    /// A server named by its "host:port" at run time (a Sentinel or cluster address, not a config
    /// line): weight 1, named by the address, <paramref name="text"/> as its config text (default
    /// "host:port:1"). Null when the port is not 1..65535 or there is no host.
    /// </summary>
    public static ServerConfig? FromEndpoint(string endpoint, string? text = null)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port is <= 0 or > 65535)
        {
            return null;
        }
        return new ServerConfig(text ?? endpoint + ":1", endpoint[..colon], port, null, 1, endpoint, false);
    }
}
