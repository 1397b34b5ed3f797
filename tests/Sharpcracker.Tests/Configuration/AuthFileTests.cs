using Sharpcracker.Configuration;

namespace Sharpcracker.Tests.Configuration;

/// <summary>auth_file: memcached's -Y format for every pool; a Redis pool's file also takes comments and @readonly rules.</summary>
public sealed class AuthFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"sc-authfile-{Guid.NewGuid():N}");

    public void Dispose() => File.Delete(_path);

    private AuthFile Load(string text, bool redis)
    {
        File.WriteAllText(_path, text);
        return AuthFile.Load(_path, redis);
    }

    [Fact]
    public void RedisFile_UsersCommentsAndReadOnlyRules()
    {
        var file = Load("# users of the cache\nalice:s3cret:with:colons\r\n\nbob:pw\n@readonly bob  carol\ncarol:x\n", redis: true);
        Assert.Equal(3, file.Count);
        Assert.True(file.Check("alice"u8, "s3cret:with:colons"u8));
        Assert.False(file.Check("alice"u8, "s3cret"u8));
        Assert.True(file.Check("bob"u8, "pw"u8));
        Assert.False(file.Check("mallory"u8, "pw"u8));
        Assert.True(file.Lists("carol"u8));
        Assert.False(file.Lists("default"u8));
        Assert.False(file.IsReadOnly("alice"u8));
        Assert.True(file.IsReadOnly("bob"u8));
        Assert.True(file.IsReadOnly("carol"u8));
        Assert.DoesNotContain("s3cret", file.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("@readonly\n", "line 1")]
    [InlineData("alice:pw\n@writers alice\n", "line 2")]
    [InlineData("alice:pw\nnocolon\n", "line 2")]
    public void RedisFile_BadLinesAreNamedByNumber(string text, string where)
    {
        var e = Assert.Throws<FormatException>(() => Load(text, redis: true));
        Assert.Contains(where, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MemcachedFile_KeepsMemcachedRules_NoCommentsNoRules()
    {
        // memcached's authfile_load: every line is user:password; a blank line or a rule is malformed.
        Assert.Throws<FormatException>(() => Load("alice:pw\n\n", redis: false));
        Assert.Throws<FormatException>(() => Load("@readonly alice\n", redis: false));
        var file = Load("#alice:pw\n", redis: false); // a '#' is part of the user name there
        Assert.True(file.Check("#alice"u8, "pw"u8));
    }

    [Fact]
    public void SameAs_SeesAChangedRule()
    {
        var before = Load("bob:pw\n", redis: true);
        var same = Load("bob:pw\n", redis: true);
        var after = Load("bob:pw\n@readonly bob\n", redis: true);
        Assert.True(before.SameAs(same));
        Assert.False(before.SameAs(after));
    }
}
