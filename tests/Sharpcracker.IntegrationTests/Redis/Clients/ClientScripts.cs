using System.Text.Json;

namespace Sharpcracker.IntegrationTests.Redis.Clients;

/// <summary>
/// Runs a real client's check script (tests/clients/node for node-redis and ioredis, installed by
/// scripts/install-deps with npm ci; tests/clients/python for Debian's redis-py) against a Redis
/// endpoint and parses the one JSON line it prints.
/// </summary>
internal static class ClientScripts
{
    /// <summary>The keys every check writes and reads back with MGET (murmur spreads them over three servers).</summary>
    public static readonly string[] Keys = [.. Enumerable.Range(0, 9).Select(i => "client:" + i)];

    /// <summary>The folder of the Node.js scripts and their node_modules.</summary>
    public static string NodeFolder => Path.Combine(RepositoryRoot(), "tests", "clients", "node");

    public static Task<JsonElement> RunNodeAsync(string script, int port, int? resp, (string User, string Password)? credentials)
    {
        if (!Directory.Exists(Path.Combine(NodeFolder, "node_modules")))
        {
            throw new InvalidOperationException($"{NodeFolder}/node_modules is missing; run ./scripts/install-deps");
        }
        return RunAsync("node", Path.Combine(NodeFolder, script), port, resp, credentials);
    }

    public static Task<JsonElement> RunRedisPyAsync(int port, (string User, string Password)? credentials)
        => RunAsync("/usr/bin/python3", Path.Combine(RepositoryRoot(), "tests", "clients", "python", "redis_py_check.py"), port, null, credentials);

    private static async Task<JsonElement> RunAsync(string program, string script, int port, int? resp, (string User, string Password)? credentials)
    {
        var options = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["port"] = port,
            ["resp"] = resp,
            ["user"] = credentials?.User,
            ["password"] = credentials?.Password,
            ["keys"] = Keys,
        });
        var (exit, stdout, stderr) = await ToolProcess.RunAsync(program, [script, options], TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, $"{Path.GetFileName(script)} exited {exit}: {stdout} {stderr}");
        using var document = JsonDocument.Parse(stdout);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// The script's results are what a Redis server answers: the protocol the client ended up with,
    /// SET/GET, MGET in key order with null for the missing key, HGETALL as the client's map type
    /// (<paramref name="hashKind"/>), and the 100-command pipeline's replies in order.
    /// </summary>
    public static void AssertAnswers(JsonElement results, int proto, string hashKind)
    {
        var library = results.GetProperty("library").GetString();
        Assert.True(proto == results.GetProperty("proto").GetInt32(), $"{library} negotiated RESP{results.GetProperty("proto")}, expected RESP{proto}");
        Assert.Equal("OK", results.GetProperty("set").GetString());
        Assert.Equal("hello world", results.GetProperty("get").GetString());
        string?[] expectedMget = [.. Keys.Select((_, i) => "value-" + i), null];
        Assert.Equal(expectedMget, results.GetProperty("mget").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? null : e.GetString()));
        var hash = results.GetProperty("hgetall");
        Assert.Equal(hashKind, hash.GetProperty("kind").GetString());
        Assert.Equal(
            new Dictionary<string, string> { ["f1"] = "v1", ["f2"] = "v2", ["f3"] = "v3" },
            hash.GetProperty("entries").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
        var pipeline = results.GetProperty("pipeline").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(100, pipeline.Count);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(i % 2 == 0 ? "OK" : (i - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), pipeline[i]);
        }
    }

    /// <summary>Through the proxy, the MGET keys really were on all three servers (one server when the switch points at redis-server).</summary>
    public static async Task AssertKeysSpreadAsync(RedisUnderTest target, bool withUsers)
    {
        var counts = await target.KeysPerBackendAsync(Keys, withUsers);
        Assert.Equal(Keys.Length, counts.Sum());
        Assert.True(counts.All(c => c > 0), "keys per server: " + string.Join(",", counts));
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sharpcracker.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
