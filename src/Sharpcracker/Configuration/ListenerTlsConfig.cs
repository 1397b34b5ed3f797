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
