using System.Text.RegularExpressions;
using Sharpcracker.Configuration;

namespace Sharpcracker.Fuzz;

/// <summary>
/// The auth_file reader (AuthFile.Load), memcached's -Y format and a Redis pool's (comments, blank
/// lines, @readonly rules). The input is written to a file of its own and loaded both ways.
/// Properties: it loads or is refused with a FormatException whose message names the line and
/// never its content; a loaded file holds exactly the user:password lines memcached's
/// authfile_load reads (password cut at CR or NUL), and each of them checks.
/// </summary>
internal sealed partial class AuthFileTarget : FuzzTarget
{
    private static readonly string s_path = Path.Combine(FuzzScratch.Folder("auth"), "auth");

    public override string Name => "auth-file";

    public override void Check(ReadOnlySpan<byte> input)
    {
        File.WriteAllBytes(s_path, input.ToArray());
        foreach (var redis in new[] { false, true })
        {
            AuthFile file;
            try
            {
                file = AuthFile.Load(s_path, redis);
            }
            catch (FormatException e)
            {
                Property.That(Refusal().IsMatch(e.Message), $"refusal '{e.Message}' is not 'line N is not ...'");
                continue;
            }
            var expected = 0;
            var rest = input;
            while (!rest.IsEmpty)
            {
                var nl = rest.IndexOf((byte)'\n');
                var line = nl < 0 ? rest : rest[..nl];
                rest = nl < 0 ? default : rest[(nl + 1)..];
                var trimmed = line.TrimEnd((byte)'\r').Trim((byte)' ');
                if (redis && (trimmed.IsEmpty || trimmed[0] is (byte)'#' or (byte)'@'))
                {
                    continue;
                }
                var colon = line.IndexOf((byte)':');
                Property.That(colon >= 0, "a line without ':' loaded");
                var password = line[(colon + 1)..];
                var end = password.IndexOfAny((byte)'\r', (byte)0);
                password = end >= 0 ? password[..end] : password;
                Property.That(file.Check(line[..colon], password), "a listed user:password does not check");
                expected++;
            }
            Property.That(file.Count == expected, $"{file.Count} entries for {expected} lines");
        }
    }

    [GeneratedRegex("^line [0-9]+ is not \"(user:password|@readonly user \\[user \\.\\.\\.\\])\"$")]
    private static partial Regex Refusal();
}
