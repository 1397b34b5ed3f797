using System.Globalization;
using System.Text;
using System.Text.Json;
using Sharpcracker.Configuration;
using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.ControlPlane.Moxi;

/// <summary>
/// moxi's ways of configuring without a YAML file, turned into a <see cref="ProxyConfig"/>:
/// <list type="bullet">
/// <item><c>-z PORT=HOST[:PORT][,HOST[:PORT]…]</c>: a ketama pool on PORT over those memcached servers (default port 11211).</item>
/// <item><c>-z ./FILE</c> or <c>-z /FILE</c>: lines <c>PORT = { vBucketServerMap JSON }</c>, one vbucket pool per line; re-read on reload.</item>
/// <item><c>-z url=http://…[|http://…]</c> (or a bare URL argument): one pool on <c>-Z port_listen</c> following a streaming vBucket config.</item>
/// </list>
/// <c>-Z</c> takes <c>port_listen=N</c> (default 11211) and Sharpcracker's own <c>listen_addr=ADDR</c> (default 0.0.0.0, as moxi).
/// </summary>
internal sealed class MoxiConfigSource
{
    public const int DefaultPort = 11211;

    private readonly List<(int Port, List<ServerConfig> Servers)> _hostLists = [];
    private readonly List<string> _files = [];
    private VBucketServerMap? _streamMap;

    /// <summary>Parses the -z and -Z values; throws <see cref="ArgumentException"/> with a user-facing message.</summary>
    public MoxiConfigSource(IReadOnlyList<string> zValues, IReadOnlyList<string> options)
    {
        foreach (var option in options)
        {
            foreach (var pair in option.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = pair.IndexOf('=');
                var key = eq < 0 ? pair : pair[..eq];
                var value = eq < 0 ? "" : pair[(eq + 1)..];
                switch (key)
                {
                    case "port_listen":
                        ListenPort = Port(value, "-Z port_listen");
                        break;
                    case "listen_addr":
                        if (value.Length == 0)
                        {
                            throw new ArgumentException("-Z listen_addr needs an address");
                        }
                        ListenAddress = value;
                        break;
                    default:
                        throw new ArgumentException($"-Z option '{key}' is not supported (port_listen, listen_addr)");
                }
            }
        }
        foreach (var z in zValues)
        {
            if (z.StartsWith("url=", StringComparison.Ordinal))
            {
                foreach (var url in z[4..].Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                    {
                        throw new ArgumentException($"-z url: '{url}' is not an http:// URL");
                    }
                    StreamUrls.Add(uri);
                }
            }
            else if (z.StartsWith("./", StringComparison.Ordinal) || z.StartsWith('/'))
            {
                _files.Add(z);
            }
            else
            {
                _hostLists.Add(ParseHostList(z));
            }
        }
        if (_hostLists.Count + _files.Count + StreamUrls.Count == 0)
        {
            throw new ArgumentException("-z needs PORT=HOST[:PORT],…, a ./file or /file, or url=http://…");
        }
    }

    public int ListenPort { get; } = DefaultPort;

    public string ListenAddress { get; } = "0.0.0.0";

    /// <summary>Streaming config URLs, in failover order.</summary>
    public List<Uri> StreamUrls { get; } = [];

    /// <summary>Files a reload re-reads (and --watch-config watches).</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>A human-readable name of the source, for messages.</summary>
    public string Description => "-z " + string.Join(" ", _hostLists.Select(h => h.Port + "=…").Concat(_files).Concat(StreamUrls.Select(u => "url=" + u)));

    /// <summary>Records the newest map from the HTTP stream; the next <see cref="Build"/> serves it.</summary>
    public void SetStreamMap(VBucketServerMap map) => Volatile.Write(ref _streamMap, map);

    /// <summary>The whole configuration now: host lists, the files as they are now, the stream's last map.</summary>
    /// <exception cref="ConfigException">A file is missing or invalid, or two sources want one port.</exception>
    public ProxyConfig Build()
    {
        var pools = new List<PoolConfig>();
        foreach (var (port, servers) in _hostLists)
        {
            pools.Add(Pool(port, servers, DistributionKind.Ketama, null));
        }
        foreach (var file in _files)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException($"conf: cannot open configuration file '{file}': {e.Message}");
            }
            foreach (var (port, map) in ParseFile(text, file))
            {
                pools.Add(Pool(port, map.Servers, DistributionKind.VBucket, map.Map));
            }
        }
        if (StreamUrls.Count > 0)
        {
            // Until the first map arrives the pool listens but does not accept (Pools/PoolDiscovery).
            var map = Volatile.Read(ref _streamMap);
            pools.Add((map is null
                ? Pool(ListenPort, [], DistributionKind.Ketama, null)
                : Pool(ListenPort, map.Servers, DistributionKind.VBucket, map.Map)) with
            { VBucketStream = true });
        }
        var ports = new HashSet<int>();
        foreach (var pool in pools)
        {
            if (!ports.Add(pool.Listen.Port))
            {
                throw new ConfigException($"conf: {Description}: port {pool.Listen.Port} is configured twice");
            }
        }
        return new ProxyConfig(_files.FirstOrDefault() ?? Description, pools);
    }

    private PoolConfig Pool(int port, IReadOnlyList<ServerConfig> servers, DistributionKind distribution, VBucketMap? map)
    {
        var listenText = (ListenAddress.Contains(':') ? "[" + ListenAddress + "]" : ListenAddress) + ":" + port.ToString(CultureInfo.InvariantCulture);
        return new PoolConfig
        {
            Name = port.ToString(CultureInfo.InvariantCulture),
            Listen = ConfigLoader.ParseListen(listenText) ?? throw new ConfigException($"conf: -Z listen_addr '{ListenAddress}' is not a valid address"),
            // libmemcached's ketama (moxi's) hashes keys with MD5; placement is twemproxy's ketama.
            Hash = HashKind.Md5,
            Distribution = distribution,
            Servers = servers,
            VBuckets = map,
        };
    }

    /// <summary><c>PORT=HOST[:PORT][,HOST[:PORT]…]</c>.</summary>
    internal static (int Port, List<ServerConfig> Servers) ParseHostList(string value)
    {
        var eq = value.IndexOf('=');
        if (eq <= 0)
        {
            throw new ArgumentException($"-z '{value}' is not PORT=HOST[:PORT][,HOST[:PORT]…], ./file, /file or url=http://…");
        }
        var port = Port(value[..eq], "-z port");
        var servers = new List<ServerConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in value[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries))
        {
            var server = VBucketServerMap.ServerFromHostPort(entry)
                ?? throw new ArgumentException($"-z {port}: '{entry}' is not HOST or HOST:PORT");
            if (!names.Add(server.Name))
            {
                throw new ArgumentException($"-z {port}: server '{entry}' is listed twice");
            }
            servers.Add(server);
        }
        // twemproxy's name order, as for a YAML pool (ketama is order-independent anyway).
        servers.Sort((a, b) => ConfigLoader.CompareNames(a.Name, b.Name));
        return (port, servers);
    }

    /// <summary>
    /// moxi's config file: <c>PORT = { JSON }</c> entries (the JSON may span lines); blank lines and
    /// lines starting with <c>#</c> are skipped.
    /// </summary>
    /// <exception cref="ConfigException">With the file name and line.</exception>
    public static List<(int Port, VBucketServerMap Map)> ParseFile(string text, string path)
    {
        var result = new List<(int, VBucketServerMap)>();
        var bytes = Encoding.UTF8.GetBytes(text);
        var pos = 0;
        int Line(int at) => 1 + bytes.AsSpan(0, Math.Min(at, bytes.Length)).Count((byte)'\n');
        ConfigException Bad(int at, string what) => new($"conf: '{path}' line {Line(at)}: {what}");
        while (true)
        {
            // Skip blank space and comment lines.
            while (pos < bytes.Length)
            {
                if (bytes[pos] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                {
                    pos++;
                }
                else if (bytes[pos] == (byte)'#')
                {
                    while (pos < bytes.Length && bytes[pos] != (byte)'\n')
                    {
                        pos++;
                    }
                }
                else
                {
                    break;
                }
            }
            if (pos >= bytes.Length)
            {
                break;
            }
            var start = pos;
            while (pos < bytes.Length && char.IsAsciiDigit((char)bytes[pos]))
            {
                pos++;
            }
            if (pos == start || !int.TryParse(bytes.AsSpan(start, pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw Bad(start, "expected PORT = { vBucket server map JSON }");
            }
            while (pos < bytes.Length && bytes[pos] is (byte)' ' or (byte)'\t')
            {
                pos++;
            }
            if (pos >= bytes.Length || bytes[pos] != (byte)'=')
            {
                throw Bad(start, $"expected '=' after port {port}");
            }
            pos++;
            var reader = new Utf8JsonReader(bytes.AsSpan(pos), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            VBucketServerMap map;
            try
            {
                using var document = JsonDocument.ParseValue(ref reader);
                map = VBucketServerMap.FromElement(document.RootElement);
            }
            catch (JsonException e)
            {
                throw Bad(start, $"port {port}: not valid JSON: {e.Message}");
            }
            catch (FormatException e)
            {
                throw Bad(start, $"port {port}: {e.Message}");
            }
            pos += (int)reader.BytesConsumed;
            if (result.Any(r => r.Item1 == port))
            {
                throw Bad(start, $"port {port} is configured twice");
            }
            result.Add((port, map));
        }
        if (result.Count == 0)
        {
            throw new ConfigException($"conf: '{path}' has no PORT = {{ … }} entries");
        }
        return result;
    }

    private static int Port(string text, string what)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"{what} '{text}' is not a port number (1-65535)");
        }
        return port;
    }
}
