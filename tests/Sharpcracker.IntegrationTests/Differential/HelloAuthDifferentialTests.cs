namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// Wrong passwords, unknown users, read-only users and bad HELLO versions and options, sent to a
/// real redis-server 7 (<c>requirepass</c> and <c>ACL SETUSER</c>, see
/// <see cref="RedisUnderTest.StartServerAsync"/>) and to the proxy (a pool of three servers with
/// <c>redis_auth</c> and an <c>auth_file</c>): the same error bytes, and the connection left in the
/// same state (authenticated or not, as which user, RESP2 or RESP3), which the probes after each
/// error show (<c>GET</c> of a missing key answers <c>$-1</c> in RESP2 and <c>_</c> in RESP3).
/// Each scenario runs on fresh connections; successful HELLO replies are compared by structure.
/// Notation as in <see cref="RedisCorpus"/> ("~" is a space inside an argument).
/// </summary>
public sealed class HelloAuthDifferentialTests
{
    /// <summary>Scenarios on a pool without passwords.</summary>
    public static TheoryData<string> OpenScenarios() =>
    [
        // Bad versions and options in RESP2: errors, the connection stays RESP2.
        """
        HELLO 0
        HELLO 1
        HELLO 4
        HELLO -1
        HELLO abc
        HELLO 99999999999999999999
        HELLO 3.0
        HELLO 3 AUTH x
        HELLO 3 SETNAME a~b
        HELLO 3 SETNAME
        HELLO 3 FOO
        GET r3missing
        HELLO
        CLIENT GETNAME
        """,
        // The same after HELLO 3: errors, the connection stays RESP3.
        """
        HELLO 3
        HELLO 0
        HELLO 4
        HELLO abc
        HELLO 99999999999999999999
        HELLO 3 AUTH x
        HELLO 2 SETNAME a~b
        HELLO 2 FOO
        GET r3missing
        HELLO
        HELLO 2
        GET r3missing
        """,
        // AUTH on a server whose default user has no password.
        """
        AUTH x
        AUTH default x
        AUTH alice x
        AUTH
        AUTH a b c
        HELLO 3 AUTH alice x
        GET r3missing
        HELLO 3 AUTH default anything SETNAME named
        GET r3missing
        CLIENT GETNAME
        """,
    ];

    /// <summary>Scenarios on a pool with redis_auth (user default) and an auth_file (alice, read-only reader).</summary>
    public static TheoryData<string> UserScenarios() =>
    [
        // Before authenticating.
        """
        GET k
        HELLO
        HELLO 3
        HELLO 2
        HELLO 4
        HELLO abc
        CLIENT GETNAME
        PING
        GET k
        """,
        // Wrong passwords and unknown users: still unauthenticated, still RESP2.
        """
        AUTH wrong
        GET k
        AUTH default wrong
        AUTH nobody pool-secret
        AUTH alice wrong
        AUTH alice pool-secret
        AUTH reader alice-pw
        HELLO 3 AUTH alice wrong
        GET k
        HELLO 3 AUTH nobody x
        HELLO 2 AUTH default wrong
        GET k
        """,
        // A bad version is refused before any option: the client stays unauthenticated.
        """
        HELLO 4 AUTH alice alice-pw
        GET k
        HELLO abc AUTH alice alice-pw
        GET k
        HELLO 3 AUTH alice
        GET k
        HELLO 3 AUTH alice alice-pw
        GET k
        SET k v
        GET k
        """,
        // Options apply in order: AUTH succeeds and stays even when a later option is bad (the
        // protocol stays RESP2); more in OptionOrderScenarios.
        """
        HELLO 3 AUTH alice alice-pw SETNAME a~b
        GET k
        CLIENT GETNAME
        """,
        // The forms clients use: AUTH pass, AUTH default pass, AUTH user pass, HELLO 3 AUTH user pass SETNAME.
        """
        AUTH pool-secret
        SET k1 one
        AUTH default pool-secret
        GET k1
        AUTH alice alice-pw
        GET k1
        AUTH wrong
        GET k1
        HELLO 3 AUTH alice alice-pw SETNAME alice-client
        CLIENT GETNAME
        GET r3missing
        HELLO 3 AUTH alice wrong
        GET r3missing
        """,
        // A read-only user: reads pass, writes get NOPERM, in RESP2 and RESP3; AUTH switches users.
        """
        AUTH reader reader-pw
        GET k
        MGET k a b c d e f
        EXISTS k a b
        HGETALL h
        SET k v
        DEL k
        INCR n
        MSET a 1 b 2
        HSET h f v
        EXPIRE k 10
        HELLO 3
        GET k
        SET k v
        HELLO 3 AUTH alice alice-pw
        SET k v
        GET k
        AUTH reader reader-pw
        SET k w
        GET k
        """,
    ];

    /// <summary>
    /// HELLO applies AUTH and SETNAME in order as it reads them (redis-server 7.0's helloCommand):
    /// a bad option after them is an error, yet what came before it is applied (the client is
    /// authenticated, the name set), and a wrong password is reported before a bad option that
    /// follows it; the protocol switch is not applied. (scenario, with users)
    /// </summary>
    public static TheoryData<string, bool> OptionOrderScenarios() => new()
    {
        {
            """
            HELLO 3 setname ok FOO bar
            CLIENT GETNAME
            GET r3missing
            HELLO 3 SETNAME first SETNAME a~b
            CLIENT GETNAME
            HELLO 3 AUTH x y z
            HELLO 3 AUTH default x z
            CLIENT GETNAME
            GET r3missing
            """,
            false
        },
        {
            """
            HELLO 3 AUTH alice alice-pw FOO
            GET k
            """,
            true
        },
        {
            """
            HELLO 3 SETNAME a~b AUTH alice alice-pw
            GET k
            """,
            true
        },
        {
            """
            HELLO 3 AUTH alice wrong FOO
            GET k
            HELLO 3 SETNAME early AUTH alice wrong
            CLIENT GETNAME
            GET k
            HELLO 3 AUTH reader reader-pw SETNAME
            SET k v
            GET k
            """,
            true
        },
    };

    [Theory]
    [MemberData(nameof(OpenScenarios))]
    public async Task WithoutPasswords_SameRepliesAndStateAsRedisServer(string scenario)
        => await CompareAsync(scenario, withUsers: false);

    [Theory]
    [MemberData(nameof(UserScenarios))]
    public async Task WithUsers_SameRepliesAndStateAsRedisServer(string scenario)
        => await CompareAsync(scenario, withUsers: true);

    [Theory]
    [MemberData(nameof(OptionOrderScenarios))]
    public async Task OptionsAppliedInOrder_SameRepliesAndStateAsRedisServer(string scenario, bool withUsers)
        => await CompareAsync(scenario, withUsers);

    private static async Task CompareAsync(string scenario, bool withUsers)
    {
        await using var direct = await RedisUnderTest.StartServerAsync(withUsers);
        await using var target = await RedisUnderTest.StartAsync(3, withUsers);
        using var d = new RespConnection(direct.Port);
        using var p = new RespConnection(target.Port);
        foreach (var command in RedisCorpus.ParseLines(scenario))
        {
            var expected = await d.CallAsync(command.Args);
            var actual = await p.CallAsync(command.Args);
            if (command.Args[0] == "HELLO" && expected[0] is '%' or '*')
            {
                var proto = RespTree.Parse(expected)["proto"].Text!;
                Resp3DifferentialTests.AssertSameHello(expected, actual, int.Parse(proto, System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                Assert.True(expected == actual, $"{command}: redis-server {RedisDifferentialTests.Show(expected)} proxy {RedisDifferentialTests.Show(actual)}");
            }
        }
    }
}
