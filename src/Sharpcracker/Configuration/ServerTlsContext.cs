using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sharpcracker.Configuration;

/// <summary>A pool's loaded TLS material for its server connections and health probes.</summary>
internal sealed class ServerTlsContext
{
    private readonly X509Certificate2Collection? _roots;
    private readonly SslStreamCertificateContext? _clientCertificate;
    private readonly bool _verify;
    private readonly SslProtocols _protocols;

    private ServerTlsContext(X509Certificate2Collection? roots, SslStreamCertificateContext? clientCertificate, bool verify, SslProtocols protocols)
    {
        _roots = roots;
        _clientCertificate = clientCertificate;
        _verify = verify;
        _protocols = protocols;
    }

    /// <exception cref="TlsFileException">A file is missing, unreadable or not PEM.</exception>
    public static ServerTlsContext Load(string? caFile, string? certFile, string? keyFile, bool verify, SslProtocols protocols)
    {
        var roots = caFile is null ? null : TlsFiles.LoadCa("server_tls_ca_file", caFile);
        SslStreamCertificateContext? identity = null;
        if (certFile is not null && keyFile is not null)
        {
            var (leaf, chain) = TlsFiles.LoadIdentity("server_tls_cert_file", certFile, "server_tls_key_file", keyFile);
            identity = SslStreamCertificateContext.Create(leaf, chain, offline: true);
        }
        return new ServerTlsContext(roots, identity, verify, protocols);
    }

    /// <param name="host">The server's host (IP address or name): the name checked in its certificate, and the SNI when it is a name.</param>
    public SslClientAuthenticationOptions CreateOptions(string host)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ClientCertificateContext = _clientCertificate,
            EnabledSslProtocols = _protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = TlsFiles.ChainPolicy(_roots),
        };
        if (!_verify)
        {
            options.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        return options;
    }

    /// <summary>The name a server connection verifies: its host; "localhost" for a unix socket.</summary>
    public static string HostFor(Configuration.ServerConfig server)
        => server.IsUnix ? "localhost" : server.Host!;
}
