using System.Security.Cryptography;

namespace Sharpcracker.Configuration;

/// <summary>
/// A memcached pool's credentials: a file in memcached's <c>-Y</c> format, one <c>user:password</c>
/// per line (the password ends at the line end; a line without ':' is malformed, as
/// authfile_load rules). Read when the configuration is loaded, so every reload re-reads it;
/// immutable once read. The passwords are never rendered: <see cref="ToString"/> shows the path only.
/// </summary>
internal sealed class AuthFile
{
    private readonly (byte[] User, byte[] Password)[] _entries;

    private AuthFile(string path, (byte[] User, byte[] Password)[] entries)
    {
        Path = path;
        _entries = entries;
    }

    public string Path { get; }

    public int Count => _entries.Length;

    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="FormatException">A line has no ':' (the message names the line, never its content).</exception>
    public static AuthFile Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var entries = new List<(byte[], byte[])>();
        var rest = bytes.AsSpan();
        var line = 0;
        while (!rest.IsEmpty)
        {
            line++;
            var nl = rest.IndexOf((byte)'\n');
            var text = nl < 0 ? rest : rest[..nl];
            rest = nl < 0 ? default : rest[(nl + 1)..];
            var colon = text.IndexOf((byte)':');
            if (colon < 0)
            {
                throw new FormatException($"line {line} is not \"user:password\"");
            }
            var password = text[(colon + 1)..];
            var end = password.IndexOfAny((byte)'\r', (byte)'\0');
            if (end >= 0)
            {
                password = password[..end];
            }
            entries.Add((text[..colon].ToArray(), password.ToArray()));
        }
        return new AuthFile(path, [.. entries]);
    }

    /// <summary>Whether the pair is listed; compares in constant time per entry (memcached's safe_memcmp).</summary>
    public bool Check(ReadOnlySpan<byte> user, ReadOnlySpan<byte> password)
    {
        var found = false;
        foreach (var (u, p) in _entries)
        {
            if (u.Length == user.Length && p.Length == password.Length
                && CryptographicOperations.FixedTimeEquals(u, user) & CryptographicOperations.FixedTimeEquals(p, password))
            {
                found = true;
            }
        }
        return found;
    }

    /// <summary>Structural equality for reload change detection: same path and same entries.</summary>
    public bool SameAs(AuthFile? other)
        => other is not null && other.Path == Path && other._entries.Length == _entries.Length
           && _entries.Zip(other._entries).All(e => e.First.User.AsSpan().SequenceEqual(e.Second.User) && e.First.Password.AsSpan().SequenceEqual(e.Second.Password));

    public override string ToString() => $"{Path} ({Count} users)";
}
