using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sharpcracker.Configuration;

/// <summary>A listener's loaded TLS material; <see cref="CreateOptions"/> gives each accepted connection its own options.</summary>
internal sealed class ListenerTlsContext
{
    private readonly SslStreamCertificateContext _certificate;
    private readonly X509Certificate2Collection? _clientRoots;
    private readonly bool _verifyClient;
    private readonly SslProtocols _protocols;

    private ListenerTlsContext(SslStreamCertificateContext certificate, X509Certificate2Collection? clientRoots, bool verifyClient, SslProtocols protocols)
    {
        _certificate = certificate;
        _clientRoots = clientRoots;
        _verifyClient = verifyClient;
        _protocols = protocols;
    }

    /// <summary>The served certificate's SHA-1 thumbprint (reload logs say when it changed).</summary>
    public string Thumbprint => _certificate.TargetCertificate.Thumbprint;

    /// <exception cref="TlsFileException">A file is missing, unreadable or not PEM.</exception>
    public static ListenerTlsContext Load(string certFile, string keyFile, string? caFile, bool verifyClient, SslProtocols protocols)
    {
        var (leaf, chain) = TlsFiles.LoadIdentity("tls_cert_file", certFile, "tls_key_file", keyFile);
        var roots = caFile is null ? null : TlsFiles.LoadCa("tls_ca_file", caFile);
        // offline: the chain is built from the file and the local stores only, never fetched.
        var context = SslStreamCertificateContext.Create(leaf, chain, offline: true);
        return new ListenerTlsContext(context, roots, verifyClient, protocols);
    }

    public SslServerAuthenticationOptions CreateOptions() => new()
    {
        ServerCertificateContext = _certificate,
        ClientCertificateRequired = _verifyClient,
        EnabledSslProtocols = _protocols,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        CertificateChainPolicy = _verifyClient ? TlsFiles.ChainPolicy(_clientRoots) : null,
    };
}
