using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sharpcracker.Configuration;

/// <summary>A certificate, key or CA file that cannot be used; <see cref="Key"/> is the config key naming it.</summary>
internal sealed class TlsFileException(string key, string message) : Exception(message)
{
    public string Key { get; } = key;
}

/// <summary>
/// PEM loading shared by both sides. Certificates are loaded once per config load (start, <c>-t</c>,
/// reload); connections share the loaded objects read-only and build their own options.
/// </summary>
internal static class TlsFiles
{
    /// <summary>Leaf certificate with its private key, and the rest of the chain from the same file.</summary>
    public static (X509Certificate2 Leaf, X509Certificate2Collection Chain) LoadIdentity(string certKey, string certFile, string keyKey, string keyFile)
    {
        var certPem = Read(certKey, certFile);
        var keyPem = Read(keyKey, keyFile);
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(certPem);
        }
        catch (CryptographicException e)
        {
            throw new TlsFileException(certKey, $"'{certFile}' is not a PEM certificate: {e.Message}");
        }
        if (all.Count == 0)
        {
            throw new TlsFileException(certKey, $"'{certFile}' holds no PEM certificate");
        }
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new TlsFileException(keyKey, $"'{keyFile}' is not a usable PEM private key for '{certFile}': {e.Message}");
        }
        var chain = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            chain.Add(all[i]);
        }
        return (leaf, chain);
    }

    public static X509Certificate2Collection LoadCa(string key, string file)
    {
        var pem = Read(key, file);
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new TlsFileException(key, $"'{file}' is not a PEM certificate bundle: {e.Message}");
        }
        return roots.Count == 0 ? throw new TlsFileException(key, $"'{file}' holds no PEM certificate") : roots;
    }

    private static string Read(string key, string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsFileException(key, $"cannot read '{file}': {e.Message}");
        }
    }

    /// <summary>A chain policy trusting only <paramref name="roots"/> (or the system when null); no revocation fetches (they would block a worker).</summary>
    public static X509ChainPolicy ChainPolicy(X509Certificate2Collection? roots)
    {
        var policy = new X509ChainPolicy { RevocationMode = X509RevocationMode.NoCheck };
        if (roots is not null)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(roots);
        }
        return policy;
    }
}

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

/// <summary>A pool's loaded TLS material for its server connections and health probes.</summary>
internal sealed class BackendTlsContext
{
    private readonly X509Certificate2Collection? _roots;
    private readonly SslStreamCertificateContext? _clientCertificate;
    private readonly bool _verify;
    private readonly SslProtocols _protocols;

    private BackendTlsContext(X509Certificate2Collection? roots, SslStreamCertificateContext? clientCertificate, bool verify, SslProtocols protocols)
    {
        _roots = roots;
        _clientCertificate = clientCertificate;
        _verify = verify;
        _protocols = protocols;
    }

    /// <exception cref="TlsFileException">A file is missing, unreadable or not PEM.</exception>
    public static BackendTlsContext Load(string? caFile, string? certFile, string? keyFile, bool verify, SslProtocols protocols)
    {
        var roots = caFile is null ? null : TlsFiles.LoadCa("server_tls_ca_file", caFile);
        SslStreamCertificateContext? identity = null;
        if (certFile is not null && keyFile is not null)
        {
            var (leaf, chain) = TlsFiles.LoadIdentity("server_tls_cert_file", certFile, "server_tls_key_file", keyFile);
            identity = SslStreamCertificateContext.Create(leaf, chain, offline: true);
        }
        return new BackendTlsContext(roots, identity, verify, protocols);
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
