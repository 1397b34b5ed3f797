namespace Sharpcracker.Configuration;

internal static partial class ConfigLoader
{
    /// <summary>
    /// The pool key auth_file (memcached -Y: a relative path is taken from the configuration
    /// file's directory; read now, so a reload re-reads it; a Redis pool's users, with
    /// <c>@readonly</c> rules) and the memcached pool key memcache_protocol (memcached -B: auto,
    /// text or binary). Errors name the key, never a password.
    /// </summary>
    private static (AuthFile? AuthFile, MemcacheProtocol Protocol) ParseMemcachedAccess(
        bool redis, Func<string, string?> scalar, Func<string, string, ConfigException> bad, string configPath)
    {
        AuthFile? authFile = null;
        if (scalar("auth_file") is { } authPath)
        {
            var full = Path.IsPathRooted(authPath) ? authPath : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? "", authPath);
            try
            {
                authFile = AuthFile.Load(full, redis);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                throw bad("auth_file", $"cannot be used: '{full}': {e.Message}");
            }
        }
        var protocol = MemcacheProtocol.Auto;
        if (scalar("memcache_protocol") is { } text)
        {
            if (redis)
            {
                throw bad("memcache_protocol", "is only valid for a memcached pool");
            }
            protocol = text switch
            {
                "auto" => MemcacheProtocol.Auto,
                "text" or "ascii" => MemcacheProtocol.Text,
                "binary" => MemcacheProtocol.Binary,
                _ => throw bad("memcache_protocol", $"is not \"auto\", \"text\" or \"binary\": '{text}'"),
            };
        }
        return (authFile, protocol);
    }
}
