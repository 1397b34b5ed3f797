
namespace Sharpcracker.Configuration;

/// <summary>Where a pool listens: TCP host:port, or a unix socket path with optional permissions.</summary>
internal sealed record ListenAddress(string Text, string? Host, int Port, string? UnixPath, int? UnixPermissions)
{
    public bool IsUnix => UnixPath is not null;
}
