using System.Security.Cryptography;

namespace Sharpcracker.Configuration;

/// <summary>
/// A pool's credentials: a file in memcached's <c>-Y</c> format, one <c>user:password</c> per line
/// (the password ends at the line end; a line without ':' is malformed, as authfile_load rules).
/// A Redis pool's file may also hold blank lines, <c>#</c> comments and rules:
/// <c>@readonly user [user ...]</c> limits those users to commands that only read. Read when the
/// configuration is loaded, so every reload re-reads it; immutable once read. The passwords are
/// never rendered: <see cref="ToString"/> shows the path only.
/// </summary>
internal sealed class AuthFile
{
    private readonly (byte[] User, byte[] Password)[] _entries;
    private readonly HashSet<string> _readOnly;

    private AuthFile(string path, (byte[] User, byte[] Password)[] entries, HashSet<string> readOnly)
    {
        Path = path;
        _entries = entries;
        _readOnly = readOnly;
    }

    public string Path { get; }

    public int Count => _entries.Length;

    /// <param name="redis">A Redis pool's file: blank lines, comments and <c>@readonly</c> rules allowed.</param>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="FormatException">A line has no ':' (the message names the line, never its content).</exception>
    public static AuthFile Load(string path, bool redis = false)
    {
        var bytes = File.ReadAllBytes(path);
        var entries = new List<(byte[], byte[])>();
        var readOnly = new HashSet<string>(StringComparer.Ordinal);
        var rest = bytes.AsSpan();
        var line = 0;
        while (!rest.IsEmpty)
        {
            line++;
            var nl = rest.IndexOf((byte)'\n');
            var text = nl < 0 ? rest : rest[..nl];
            rest = nl < 0 ? default : rest[(nl + 1)..];
            if (redis)
            {
                var trimmed = text.TrimEnd((byte)'\r').Trim((byte)' ');
                if (trimmed.IsEmpty || trimmed[0] == (byte)'#')
                {
                    continue;
                }
                if (trimmed[0] == (byte)'@')
                {
                    var words = System.Text.Encoding.UTF8.GetString(trimmed).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (words[0] != "@readonly" || words.Length < 2)
                    {
                        throw new FormatException($"line {line} is not \"@readonly user [user ...]\"");
                    }
                    readOnly.UnionWith(words.Skip(1));
                    continue;
                }
            }
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
        return new AuthFile(path, [.. entries], readOnly);
    }

    /// <summary>Whether <paramref name="user"/> has an entry (any password).</summary>
    public bool Lists(ReadOnlySpan<byte> user)
    {
        foreach (var (u, _) in _entries)
        {
            if (user.SequenceEqual(u))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether a <c>@readonly</c> rule names <paramref name="user"/> (Redis pools).</summary>
    public bool IsReadOnly(ReadOnlySpan<byte> user)
        => _readOnly.Count > 0 && _readOnly.Contains(System.Text.Encoding.UTF8.GetString(user));

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
           && _entries.Zip(other._entries).All(e => e.First.User.AsSpan().SequenceEqual(e.Second.User) && e.First.Password.AsSpan().SequenceEqual(e.Second.Password))
           && _readOnly.SetEquals(other._readOnly);

    public override string ToString() => $"{Path} ({Count} users)";
}
