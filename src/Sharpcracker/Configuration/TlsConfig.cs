using System.Security.Authentication;

namespace Sharpcracker.Configuration;

/// <summary>
/// TLS on a pool's listener (<c>tls_cert_file</c>, <c>tls_key_file</c>, <c>tls_ca_file</c>,
/// <c>tls_verify_client</c>, <c>tls_protocols</c>). Paths are absolute (relative ones are resolved
/// against the config file's directory). The files are read when the config is loaded, so
/// <c>-t</c> and a reload refuse a missing or unreadable certificate or key.
/// </summary>
internal sealed record ListenerTlsConfig(string CertFile, string KeyFile, string? CaFile, bool VerifyClient, SslProtocols Protocols)
{
    /// <summary>The certificate, chain and trust store as loaded with this config (new connections use the config current when they are accepted).</summary>
    internal ListenerTlsContext Context { get; init; } = null!;
}

/// <summary>
/// TLS to a pool's servers (<c>server_tls</c>, <c>server_tls_ca_file</c>, <c>server_tls_cert_file</c>,
/// <c>server_tls_key_file</c>, <c>server_tls_verify</c>, <c>tls_protocols</c>). With
/// <see cref="Verify"/> (the default) the server's certificate must chain to the CA file (or the
/// system's roots) and name the server's host; the host is sent as SNI.
/// </summary>
internal sealed record BackendTlsConfig(string? CaFile, string? CertFile, string? KeyFile, bool Verify, SslProtocols Protocols)
{
    internal BackendTlsContext Context { get; init; } = null!;
}
