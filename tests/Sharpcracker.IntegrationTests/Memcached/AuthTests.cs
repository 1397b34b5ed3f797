using System.Text;
using Sharpcracker.Configuration;
using Sharpcracker.IntegrationTests.Differential;
using static Sharpcracker.IntegrationTests.Differential.BinaryCorpus;
using static Sharpcracker.Testing.BinaryPacket;

namespace Sharpcracker.IntegrationTests.Memcached;

/// <summary>
/// auth_file: memcached's ASCII auth for text clients (memcached -Y replies), SASL PLAIN for
/// binary clients (memcached -S replies), nothing reaching a server before authentication, and a
/// reload that removes a user refusing new logins.
/// </summary>
public sealed class AuthTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sc-auth-").FullName;

    public AuthTests()
    {
        // memcached runs as nobody when the tests run as root: it must be able to read the file.
        File.SetUnixFileMode(_dir, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteAuthFile(string content)
    {
        var path = Path.Combine(_dir, "users");
        File.WriteAllText(path, content);
        return path;
    }

    private static string Yaml(int port, int backendPort, string authPath) => $"""
        pool:
          listen: 127.0.0.1:{port}
          auth_file: {authPath}
          servers:
            - 127.0.0.1:{backendPort}:1

        """;

    private static async Task<string> ReadTextAsync(McConnection c, string expected)
        => Encoding.Latin1.GetString(await c.ReadExactlyAsync(Encoding.Latin1.GetByteCount(expected)));

    [Fact]
    public async Task Text_UnauthenticatedRefused_WrongPasswordRefused_RightOneWorks()
    {
        using var backend = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync(Yaml(port, backend.Port, WriteAuthFile("alice:secret\nbob:hunter2\n")), port);
        using var c = new McConnection(port);
        // Anything but the auth set is refused with memcached -Y's reply; nothing reaches the server.
        await c.SendAsync("get k\r\nversion\r\n");
        Assert.Equal("CLIENT_ERROR unauthenticated\r\nCLIENT_ERROR unauthenticated\r\n", await ReadTextAsync(c, "CLIENT_ERROR unauthenticated\r\nCLIENT_ERROR unauthenticated\r\n"));
        await c.SendAsync("set auth 0 0 12\r\nalice secrex\r\n");
        Assert.Equal("CLIENT_ERROR authentication failure\r\n", await ReadTextAsync(c, "CLIENT_ERROR authentication failure\r\n"));
        await c.SendAsync("set auth 0 0 5\r\nalice\r\n");
        Assert.Equal("CLIENT_ERROR bad authentication token format\r\n", await ReadTextAsync(c, "CLIENT_ERROR bad authentication token format\r\n"));
        await c.SendAsync("set auth 0 0 1\r\nabc"); // "a", then "bc" where the CRLF must be
        Assert.Equal("CLIENT_ERROR bad command line termination\r\n", await ReadTextAsync(c, "CLIENT_ERROR bad command line termination\r\n"));
        // Right credentials, then ordinary commands in the same write.
        await c.SendAsync("set auth 0 0 11\r\nbob hunter2\r\nset k 0 0 1\r\nv\r\nget k\r\n");
        const string expected = "STORED\r\nSTORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n";
        Assert.Equal(expected, await ReadTextAsync(c, expected));
        Assert.Equal(1, await DifferentialTests.StatAsync(backend.Port, "cmd_set"));
        Assert.Equal(1, await DifferentialTests.StatAsync(backend.Port, "cmd_get"));
    }

    /// <summary>
    /// The same ASCII auth exchanges sent to memcached -Y and to the proxy: identical bytes. Each
    /// holds one command before authentication: memcached 1.6.18 reuses one reply buffer for the
    /// unauthenticated commands of one read, so only the last of several pipelined ones is sent
    /// (the proxy answers each; docs/compatibility.md).
    /// </summary>
    [Fact]
    public async Task Text_RepliesAreByteIdenticalToMemcachedWithAuthFile()
    {
        var authPath = WriteAuthFile("alice:secret\nbob:hunter2\n");
        using var direct = ExternalProcess.StartMemcached("-Y", authPath);
        using var backend = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync(Yaml(port, backend.Port, authPath), port);
        string[] sequences =
        [
            "get k\r\n",
            "version\r\n",
            "set a 0 0 12\r\nalice secrex\r\n",
            "set a 0 0 5\r\nalice\r\n",
            "set a 0 0 1\r\nabc",
            "set a 0 0\r\n",
            "add a 0 0 12\r\n",
            "set a 0 0 x\r\n",
            "set a 0 0 12\r\nalice secret\r\nset k 0 0 1\r\nv\r\nget k\r\n",
            "set a 0 0 19\r\n  bob   hunter2  x \r\nget nothing\r\n",
            "set a 0 0 12\nalice secret\r\nget k\r\n",
        ];
        foreach (var sequence in sequences)
        {
            var expected = await DifferentialTests.RunTextAsync(direct.Port, sequence);
            var actual = await DifferentialTests.RunTextAsync(port, sequence);
            Assert.True(expected.Length > 0, sequence);
            Assert.True(expected == actual, $"{sequence}: memcached '{expected}', proxy '{actual}'");
        }
    }

    [Fact]
    public async Task Binary_SaslPlain_AsMemcachedWithSasl()
    {
        using var backend = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync(Yaml(port, backend.Port, WriteAuthFile("alice:secret\n")), port);

        // Before authentication: VERSION and SASL are served; anything else gets 0x20 and the connection closes.
        using (var c = new McConnection(port))
        {
            await c.SendAsync(Concat(Request(BinaryCorpus.Version, opaque: 1), Request(SaslList, opaque: 2), Request(Get, "k", opaque: 3), Request(Noop)));
            var replies = Split(await c.ReadToEndAsync(), out _);
            Assert.Equal(3, replies.Count);
            Assert.Equal(BinaryCorpus.Version, replies[0].Opcode);
            Assert.Equal("PLAIN", replies[1].ValueText);
            Assert.Equal((0x20, "Auth failure.", 3u), (replies[2].Status, replies[2].ValueText, replies[2].Opaque));
        }

        // Enyim's pattern: SASL_AUTH PLAIN straight away; a wrong password keeps the connection, unauthenticated.
        using var client = new McConnection(port);
        await client.SendAsync(Concat(Request(SaslAuth, "PLAIN", value: "\0alice\0wrong", opaque: 4), Request(SaslAuth, "CRAM-MD5", value: "x", opaque: 5),
            Request(SaslAuth, "PLAIN", value: "zone\0alice\0secret", opaque: 6), SetPacket("k", "v", 9), Request(Get, "k", opaque: 7)));
        var auth = await ReadUntilAsync(client, Get);
        Assert.Equal(new ushort[] { 0x20, 0x20, 0, 0, 0 }, auth.Select(r => r.Status));
        Assert.Equal("Auth failure.", auth[0].ValueText);
        Assert.Equal("Authenticated", auth[2].ValueText);
        Assert.Equal("v", auth[4].ValueText);
    }

    [Fact]
    public async Task Reload_RemovingAUser_RefusesNewLoginsOnly()
    {
        using var backend = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var authPath = WriteAuthFile("alice:secret\nbob:pw\n");
        var yaml = Yaml(port, backend.Port, authPath);
        await using var proxy = await TestProxy.StartAsync(yaml, port);
        using var before = new McConnection(port);
        await before.SendAsync("set a 0 0 6\r\nbob pw\r\n");
        Assert.Equal("STORED\r\n", await ReadTextAsync(before, "STORED\r\n"));

        File.WriteAllText(authPath, "alice:secret\n");
        var changes = await proxy.Host.ApplyAsync(ConfigLoader.Parse(yaml, "test.yml"));
        var change = Assert.Single(changes, c => c.StartsWith("pool", StringComparison.Ordinal) || c.Contains("auth_file"));
        Assert.DoesNotContain("secret", change);

        using var after = new McConnection(port);
        await after.SendAsync("set a 0 0 6\r\nbob pw\r\n");
        Assert.Equal("CLIENT_ERROR authentication failure\r\n", await ReadTextAsync(after, "CLIENT_ERROR authentication failure\r\n"));
        using var binary = new McConnection(port);
        await binary.SendAsync(Request(SaslAuth, "PLAIN", value: "\0bob\0pw"));
        Assert.Equal(0x20, (await ReadUntilAsync(binary, SaslAuth))[0].Status);
        // The connection authenticated before the reload stays authenticated, as in memcached.
        await before.SendAsync("version\r\n");
        Assert.StartsWith("VERSION ", await before.ReadLineAsync());
    }

    [Fact]
    public void AuthFile_ParsesMemcachedFormat_AndNeverShowsPasswords()
    {
        var file = AuthFile.Load(WriteAuthFile("alice:se:cret\r\nbob:\nx:y"));
        Assert.Equal(3, file.Count);
        Assert.True(file.Check("alice"u8, "se:cret"u8));
        Assert.True(file.Check("bob"u8, ""u8));
        Assert.True(file.Check("x"u8, "y"u8));
        Assert.False(file.Check("alice"u8, "se"u8));
        Assert.DoesNotContain("cret", file.ToString());
        var bad = WriteAuthFile("alice:secret\nnocolon\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse($"p:\n  listen: 127.0.0.1:1\n  auth_file: {bad}\n  servers:\n    - 127.0.0.1:2:1\n", "t.yml"));
        Assert.Contains("line 2", e.Message);
        Assert.DoesNotContain("secret", e.Message);
    }
}
