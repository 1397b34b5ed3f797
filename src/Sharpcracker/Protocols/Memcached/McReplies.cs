namespace Sharpcracker.Protocols.Memcached;

/// <summary>Reply lines the proxy produces itself, byte for byte as memcached 1.6 sends them.</summary>
internal static class McReplies
{
    public static ReadOnlySpan<byte> Error => "ERROR\r\n"u8;
    public static ReadOnlySpan<byte> BadFormat => "CLIENT_ERROR bad command line format\r\n"u8;
    public static ReadOnlySpan<byte> DeleteUsage => "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"u8;
    public static ReadOnlySpan<byte> InvalidExptime => "CLIENT_ERROR invalid exptime argument\r\n"u8;
    public static ReadOnlySpan<byte> InvalidDelta => "CLIENT_ERROR invalid numeric delta argument\r\n"u8;
    public static ReadOnlySpan<byte> ShutdownNotEnabled => "ERROR: shutdown not enabled\r\n"u8;
    public static ReadOnlySpan<byte> End => "END\r\n"u8;
    public static ReadOnlySpan<byte> StatsDetailUsage => "CLIENT_ERROR usage: stats detail on|off|dump\r\n"u8;
    public static ReadOnlySpan<byte> BadCommandLine => "CLIENT_ERROR bad command line\r\n"u8;
    public static ReadOnlySpan<byte> IllegalSlabId => "CLIENT_ERROR Illegal slab id\r\n"u8;
    public static ReadOnlySpan<byte> CrawlerSleepTooLong => "CLIENT_ERROR sleep must be one second or less\r\n"u8;
    /// <summary>The proxy's own answer to a per-server listing or stream it does not serve (docs/compatibility.md).</summary>
    public static ReadOnlySpan<byte> NotSupportedByProxy => "SERVER_ERROR not supported by proxy\r\n"u8;
    public static ReadOnlySpan<byte> Reset => "RESET\r\n"u8;
    public static ReadOnlySpan<byte> Ok => "OK\r\n"u8;
    public static ReadOnlySpan<byte> ServerErrorPrefix => "SERVER_ERROR "u8;
    public static ReadOnlySpan<byte> ObjectTooLarge => "SERVER_ERROR object too large for cache\r\n"u8;
    public static ReadOnlySpan<byte> Crlf => "\r\n"u8;
}
