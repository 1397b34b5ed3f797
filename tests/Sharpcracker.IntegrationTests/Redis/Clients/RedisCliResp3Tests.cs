namespace Sharpcracker.IntegrationTests.Redis.Clients;

/// <summary>
/// redis-cli 7.0 (Debian's redis-tools) with <c>-3</c> (HELLO 3 at connect) and with <c>-2</c>
/// through a pool of three redis-servers: <c>--no-raw</c> prints each reply's RESP type
/// ("1# key => value" for a map, "1) key" for a flat array).
/// </summary>
public sealed class RedisCliResp3Tests
{
    [Theory]
    [InlineData("-3", false)]
    [InlineData("-3", true)]
    [InlineData("-2", false)]
    [InlineData("-2", true)]
    public async Task RedisCli_ConnectsAndReadsBackWhatItWrote(string protocol, bool withUser)
    {
        await using var target = await RedisUnderTest.StartAsync(3, withUser);
        List<string> connect = ["-p", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), protocol, "--no-raw"];
        if (withUser)
        {
            connect.AddRange(["--user", RedisUnderTest.Alice.User, "--pass", RedisUnderTest.Alice.Password, "--no-auth-warning"]);
        }
        async Task<string> Cli(params string[] args)
        {
            var (exit, stdout, stderr) = await ToolProcess.RunAsync("redis-cli", [.. connect, .. args], TimeSpan.FromMinutes(1));
            Assert.True(exit == 0 && stderr.Length == 0, $"redis-cli {string.Join(' ', args)}: exit {exit} {stdout} {stderr}");
            return stdout.TrimEnd('\n');
        }

        var resp3 = protocol == "-3";
        Assert.Contains(resp3 ? "3# \"proto\" => (integer) 3" : "6) (integer) 2", await Cli("HELLO"));
        Assert.Equal("OK", await Cli("SET", ClientScripts.Keys[0], "hello world"));
        Assert.Equal("\"hello world\"", await Cli("GET", ClientScripts.Keys[0]));
        Assert.Equal("OK", await Cli(["MSET", .. ClientScripts.Keys.SelectMany((k, i) => new[] { k, "value-" + i })]));
        var mget = await Cli(["MGET", .. ClientScripts.Keys, "no-such-key"]);
        Assert.Equal(string.Join('\n', ClientScripts.Keys.Select((_, i) => $"{i + 1,2}) \"value-{i}\"").Append($"{ClientScripts.Keys.Length + 1}) (nil)")), mget);
        Assert.Equal("(integer) 3", await Cli("HSET", "client-hash", "f1", "v1", "f2", "v2", "f3", "v3"));
        Assert.Equal(
            resp3 ? "1# \"f1\" => \"v1\"\n2# \"f2\" => \"v2\"\n3# \"f3\" => \"v3\"" : "1) \"f1\"\n2) \"v1\"\n3) \"f2\"\n4) \"v2\"\n5) \"f3\"\n6) \"v3\"",
            await Cli("HGETALL", "client-hash"));

        // --pipe: 100 commands in one write over the -3/-2 connection, replies counted.
        var commands = string.Concat(Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? $"SET pipe:{i} {i}\r\n" : $"INCR pipe:{i - 1}\r\n"));
        var (exit, stdout, stderr) = await ToolProcess.RunAsync("redis-cli", [.. connect, "--pipe"], TimeSpan.FromMinutes(1), commands);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("errors: 0, replies: 100", stdout);
        var keys = Enumerable.Range(0, 50).Select(i => "pipe:" + (2 * i)).ToArray();
        Assert.Equal(string.Join('\n', keys.Select((_, i) => $"{i + 1,2}) \"{(2 * i) + 1}\"")), await Cli(["MGET", .. keys]));

        await ClientScripts.AssertKeysSpreadAsync(target, withUser);
    }
}
