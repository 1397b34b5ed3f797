using System.Security.Authentication;

namespace Sharpcracker.Configuration;

/// <summary>
/// TLS to a pool's servers (<c>server_tls</c>, <c>server_tls_ca_file</c>, <c>server_tls_cert_file</c>,
/// <c>server_tls_key_file</c>, <c>server_tls_verify</c>, <c>tls_protocols</c>). With
/// <see cref="Verify"/> (the default) the server's certificate must chain to the CA file (or the
/// system's roots) and name the server's host; the host is sent as SNI.
/// </summary>
internal sealed record ServerTlsConfig(string? CaFile, string? CertFile, string? KeyFile, bool Verify, SslProtocols Protocols)
{
    internal ServerTlsContext Context { get; init; } = null!;
}
