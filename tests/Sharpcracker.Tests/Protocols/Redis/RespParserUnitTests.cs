using System.Text;
using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.Tests.Protocols.Redis;

/// <summary>The RESP request parser, reply framer and command table, without servers.</summary>
public sealed class RespParserUnitTests
{
    private static (RespParseStatus Status, int Consumed, long Needed, string? Error, string[] Args) Parse(string input, bool authRequired = false)
    {
        var data = Encoding.Latin1.GetBytes(input);
        var args = new RespArgs();
        var status = RespRequestParser.Parse(data, args, authRequired, out var consumed, out var needed, out var error);
        var list = status == RespParseStatus.Command
            ? Enumerable.Range(0, args.Count).Select(i => Encoding.Latin1.GetString(args.Get(i, data))).ToArray()
            : [];
        return (status, consumed, needed, error, list);
    }

    [Theory]
    [InlineData("*2\r\n$3\r\nget\r\n$1\r\nk\r\n", "get|k")]
    [InlineData("*1\r\n$0\r\n\r\n", "")]
    [InlineData("get k\r\n", "get|k")]
    [InlineData("  set   'a b'  \"c\\x41\\n\"  \n", "set|a b|cA\n")]
    [InlineData("set 'it\\'s' x\r\n", "set|it's|x")]
    [InlineData("a\"b c\" d\r\n", "ab c|d")]
    public void ParsesCommands(string input, string expected)
    {
        var r = Parse(input);
        Assert.Equal(RespParseStatus.Command, r.Status);
        Assert.Equal(input.Length, r.Consumed);
        Assert.Equal(expected, string.Join('|', r.Args));
    }

    [Theory]
    [InlineData("*2\r\n$3\r\nget\r\n$1\r\nk\r")]
    [InlineData("*2\r\n$3\r\nget\r\n$1\r\n")]
    [InlineData("*2\r\n$3\r\nget\r\n")]
    [InlineData("*2\r")]
    [InlineData("*")]
    [InlineData("*1\0\r\n$4\r\nping\r\n")] // a NUL hides the line end from redis-server's strchr: it waits
    [InlineData("*1\r\n$4\0\r\nping\r\n")]
    [InlineData("get k")]
    [InlineData("get k\r")]
    public void IncompleteInputNeedsMore(string input)
    {
        var r = Parse(input);
        Assert.Equal(RespParseStatus.NeedMore, r.Status);
        Assert.True(r.Needed > input.Length);
    }

    [Fact]
    public void LargeBulkReportsTheWholeLengthNeeded()
    {
        var r = Parse("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1000000\r\nabc");
        Assert.Equal(RespParseStatus.NeedMore, r.Status);
        Assert.Equal("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1000000\r\n".Length + 1000000 + 2, r.Needed);
    }

    [Theory]
    [InlineData("*abc\r\n", "Protocol error: invalid multibulk length")]
    [InlineData("*3000000000\r\n", "Protocol error: invalid multibulk length")]
    [InlineData("*2\r\nx\r\n", "Protocol error: expected '$', got 'x'")]
    [InlineData("*1\r\n$-1\r\n", "Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$01\r\n", "Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$536870913\r\n", "Protocol error: invalid bulk length")]
    [InlineData("set \"a b\r\n", "Protocol error: unbalanced quotes in request")]
    [InlineData("set \"a\"b\r\n", "Protocol error: unbalanced quotes in request")]
    [InlineData("set 'a\r\n", "Protocol error: unbalanced quotes in request")]
    public void ProtocolErrorsHaveRedisServerTexts(string input, string error)
    {
        var r = Parse(input);
        Assert.Equal(RespParseStatus.Error, r.Status);
        Assert.Equal(error, r.Error);
    }

    [Fact]
    public void UnauthenticatedLimits()
    {
        Assert.Equal("Protocol error: unauthenticated multibulk length", Parse("*11\r\n", authRequired: true).Error);
        Assert.Equal(RespParseStatus.NeedMore, Parse("*10\r\n", authRequired: true).Status);
        Assert.Equal("Protocol error: unauthenticated bulk length", Parse("*1\r\n$16385\r\n", authRequired: true).Error);
    }

    [Theory]
    [InlineData("*0\r\n", 4)]
    [InlineData("*-1\r\n", 5)]
    [InlineData("\r\n", 2)]
    [InlineData("   \n", 4)]
    public void EmptyCommandsAreConsumedSilently(string input, int consumed)
    {
        var r = Parse(input);
        Assert.Equal(RespParseStatus.Empty, r.Status);
        Assert.Equal(consumed, r.Consumed);
    }

    [Theory]
    [InlineData("+OK\r\n")]
    [InlineData("-ERR bad\r\n")]
    [InlineData(":-12\r\n")]
    [InlineData("$-1\r\n")]
    [InlineData("$0\r\n\r\n")]
    [InlineData("$5\r\nab\r\nc\r\n")]
    [InlineData("*-1\r\n")]
    [InlineData("*0\r\n")]
    [InlineData("*3\r\n:1\r\n*2\r\n$1\r\na\r\n*1\r\n+x\r\n$-1\r\n")]
    // RESP3 (what a RESP3 server connection carries): null, boolean, double, big number, blob
    // error, verbatim string, map, set, push, and an attribute before the value it annotates.
    [InlineData("_\r\n")]
    [InlineData("#t\r\n")]
    [InlineData(",3.14\r\n")]
    [InlineData(",-inf\r\n")]
    [InlineData("(3492890328409238509324850943850943825024385\r\n")]
    [InlineData("!21\r\nSYNTAX invalid syntax\r\n")]
    [InlineData("=15\r\ntxt:Some string\r\n")]
    [InlineData("%2\r\n$5\r\nfirst\r\n:1\r\n$6\r\nsecond\r\n_\r\n")]
    [InlineData("%0\r\n")]
    [InlineData("~3\r\n$1\r\na\r\n,1.5\r\n#f\r\n")]
    [InlineData(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n")]
    [InlineData("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n:9543892\r\n")]
    [InlineData("*2\r\n%1\r\n+k\r\n~1\r\n_\r\n|1\r\n+a\r\n:1\r\n#t\r\n")]
    public void FramesEveryReplyTypeAtEveryCutPoint(string reply)
    {
        var bytes = Encoding.Latin1.GetBytes(reply + "+NEXT\r\n");
        // Incremental: every prefix needs more, resuming with the saved state, until the whole reply is there.
        var scan = 0;
        long remaining = 0;
        for (var cut = 0; cut < reply.Length; cut++)
        {
            Assert.Equal(0, RespReplyFramer.Frame(bytes.AsSpan(0, cut), ref scan, ref remaining));
        }
        Assert.Equal(reply.Length, RespReplyFramer.Frame(bytes, ref scan, ref remaining));
        Assert.Equal(0, scan);
        Assert.Equal(reply.Length, RespReplyFramer.ElementLength(bytes));
    }

    [Theory]
    [InlineData("?\r\n")]
    [InlineData("+OK\n")]
    [InlineData("$3\r\nabcde\r\n")]
    [InlineData("$x\r\n")]
    [InlineData("*-2\r\n")]
    [InlineData("$?\r\n;4\r\nHell\r\n;0\r\n")] // streamed strings: redis-server never sends them
    [InlineData("%x\r\n")]
    [InlineData("|-2\r\n")]
    public void MalformedRepliesAreRejected(string reply)
    {
        var scan = 0;
        long remaining = 0;
        Assert.Equal(-1, RespReplyFramer.Frame(Encoding.Latin1.GetBytes(reply), ref scan, ref remaining));
    }

    [Fact]
    public void CommandTable_LooksUpCaseInsensitivelyWithRedisArity()
    {
        Assert.Equal(2, RedisCommandTable.Find("GeT"u8)!.Arity);
        Assert.Equal(RedisRoute.Mget, RedisCommandTable.Find("mget"u8)!.Route);
        Assert.Equal(RedisRoute.SumKeys, RedisCommandTable.Find("EXISTS"u8)!.Route);
        Assert.Equal(RedisRoute.KeyRange, RedisCommandTable.Find("sinter"u8)!.Route);
        Assert.Equal(RedisRoute.PubSub, RedisCommandTable.Find("subscribe"u8)!.Route);
        Assert.Equal(RedisRoute.Unsupported, RedisCommandTable.Find("swapdb"u8)!.Route);
        Assert.Equal(3, RedisCommandTable.Find("client"u8, "SETNAME"u8)!.Arity);
        Assert.Null(RedisCommandTable.Find("nosuch"u8));
        Assert.Null(RedisCommandTable.Find("client"u8, "nosuch"u8));
        Assert.Null(RedisCommandTable.Find(Encoding.ASCII.GetBytes(new string('x', 100))));
        Assert.True(RedisCommandTable.All.Count > 230);
        Assert.All(RedisCommandTable.All, c => Assert.Same(c, c.Name.Contains('|')
            ? RedisCommandTable.Find(Encoding.ASCII.GetBytes(c.Name.Split('|')[0]), Encoding.ASCII.GetBytes(c.Name.Split('|')[1]))
            : RedisCommandTable.Find(Encoding.ASCII.GetBytes(c.Name.ToUpperInvariant()))));
    }
}
