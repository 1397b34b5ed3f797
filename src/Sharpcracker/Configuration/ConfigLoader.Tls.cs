using System.Security.Authentication;
using Sharpcracker.Engine;
using YamlDotNet.RepresentationModel;

namespace Sharpcracker.Configuration;

/// <summary>
/// The TLS keys of a pool (Sharpcracker's extension; docs/operations.md "TLS"). The files are
/// loaded here, so a missing, unreadable or malformed certificate or key fails <c>-t</c>, the start
/// and a reload with the key and the reason, and nothing changes.
/// </summary>
internal static partial class ConfigLoader
{
    private static readonly string[] s_tlsKeys =
    [
        "tls_cert_file", "tls_key_file", "tls_ca_file", "tls_verify_client", "tls_protocols", "tls_handshake_timeout",
        "server_tls", "server_tls_ca_file", "server_tls_cert_file", "server_tls_key_file", "server_tls_verify",
    ];

    /// <summary>Default bound on one TLS handshake, either side, when <c>tls_handshake_timeout</c> is not set.</summary>
    public const int DefaultTlsHandshakeTimeoutMs = 10_000;

    private static (ListenerTlsConfig? Listener, ServerTlsConfig? Server, int HandshakeTimeoutMs) ParseTlsKeys(
        string path, string pool, Dictionary<string, YamlNode> values)
    {
        string Where(string key) => $"conf: '{path}': pool '{pool}': directive \"{key}\" (line {values[key].Start.Line})";
        string? Text(string key)
        {
            if (!values.TryGetValue(key, out var node))
            {
                return null;
            }
            return node is YamlScalarNode { Value: { Length: > 0 } v } ? v : throw new ConfigException($"{Where(key)} must be a single non-empty value");
        }
        string? File(string key) => Text(key) is { } f ? Path.GetFullPath(f, Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/") : null;
        bool? Flag(string key) => Text(key) switch
        {
            null => null,
            "true" => true,
            "false" => false,
            var s => throw new ConfigException($"{Where(key)} is not \"true\" or \"false\": '{s}'"),
        };

        var protocols = SslProtocols.None;
        if (Text("tls_protocols") is { } list)
        {
            foreach (var name in list.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries))
            {
                protocols |= name.ToLowerInvariant() switch
                {
                    "tlsv1.2" => SslProtocols.Tls12,
                    "tlsv1.3" => SslProtocols.Tls13,
                    _ => throw new ConfigException($"{Where("tls_protocols")} has '{name}'; use TLSv1.2 and/or TLSv1.3"),
                };
            }
        }
        var timeout = DefaultTlsHandshakeTimeoutMs;
        if (Text("tls_handshake_timeout") is { } t)
        {
            if (t.Length > 9 || !t.All(char.IsAsciiDigit) || (timeout = int.Parse(t, System.Globalization.CultureInfo.InvariantCulture)) == 0)
            {
                throw new ConfigException($"{Where("tls_handshake_timeout")} is not a positive number of milliseconds: '{t}'");
            }
        }

        ListenerTlsConfig? listener = null;
        var cert = File("tls_cert_file");
        var key = File("tls_key_file");
        var ca = File("tls_ca_file");
        var verifyClient = Flag("tls_verify_client");
        if (cert is not null || key is not null)
        {
            if (cert is null || key is null)
            {
                throw new ConfigException($"{Where(cert is null ? "tls_key_file" : "tls_cert_file")} needs \"{(cert is null ? "tls_cert_file" : "tls_key_file")}\" too");
            }
            var verify = verifyClient ?? ca is not null;
            if (verify && ca is null)
            {
                throw new ConfigException($"{Where("tls_verify_client")} needs \"tls_ca_file\" (the CA client certificates must chain to)");
            }
            listener = new ListenerTlsConfig(cert, key, ca, verify, protocols)
            {
                Context = Load(() => ListenerTlsContext.Load(cert, key, verify ? ca : null, verify, protocols)),
            };
        }
        else if (ca is not null || verifyClient is not null)
        {
            throw new ConfigException($"{Where(ca is not null ? "tls_ca_file" : "tls_verify_client")} needs \"tls_cert_file\" and \"tls_key_file\"");
        }

        ServerTlsConfig? backend = null;
        var serverTls = Flag("server_tls") ?? false;
        var serverCa = File("server_tls_ca_file");
        var serverCert = File("server_tls_cert_file");
        var serverKey = File("server_tls_key_file");
        var serverVerify = Flag("server_tls_verify");
        if (serverTls)
        {
            if ((serverCert is null) != (serverKey is null))
            {
                throw new ConfigException($"{Where(serverCert is null ? "server_tls_key_file" : "server_tls_cert_file")} needs \"{(serverCert is null ? "server_tls_cert_file" : "server_tls_key_file")}\" too");
            }
            var verify = serverVerify ?? true;
            backend = new ServerTlsConfig(serverCa, serverCert, serverKey, verify, protocols)
            {
                Context = Load(() => ServerTlsContext.Load(serverCa, serverCert, serverKey, verify, protocols)),
            };
        }
        else if (serverCa is not null || serverCert is not null || serverKey is not null || serverVerify is not null)
        {
            var k = new[] { "server_tls_ca_file", "server_tls_cert_file", "server_tls_key_file", "server_tls_verify" }.First(values.ContainsKey);
            throw new ConfigException($"{Where(k)} needs \"server_tls: true\"");
        }
        return (listener, backend, timeout);

        T Load<T>(Func<T> load)
        {
            try
            {
                return load();
            }
            catch (TlsFileException e)
            {
                throw new ConfigException($"{Where(e.Key)}: {e.Message}");
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw new ConfigException($"conf: '{path}': pool '{pool}': TLS certificate: {e.Message}");
            }
        }
    }
}
