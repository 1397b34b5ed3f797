using Sharpcracker.Protocols.Memcached;
using static Sharpcracker.Testing.BinaryPacket;

namespace Sharpcracker.Tests.Protocols.Memcached;

/// <summary>McBinaryParser against memcached 1.6.18's try_read_command_binary / dispatch_bin_command rules.</summary>
public sealed class McBinaryParserTests
{
    private static McBinaryFrame Parse(byte[] data, bool sasl = false, bool authenticated = true, long limit = 1 << 20)
        => McBinaryParser.Parse(data, sasl, authenticated, limit);

    [Fact]
    public void EveryPrefixOfAValidPacket_NeedsMore()
    {
        var packets = new[]
        {
            Request(McBinary.Set, "key", StoreExtras(1, 2), "value"),
            Request(McBinary.GetKQ, "key"),
            Request(McBinary.Increment, "n", CounterExtras(1, 2, 3)),
            Request(McBinary.Noop),
        };
        foreach (var packet in packets)
        {
            for (var n = 0; n < packet.Length; n++)
            {
                Assert.Equal(McBinaryAction.NeedMore, Parse(packet[..n]).Action);
            }
            var frame = Parse(packet);
            Assert.NotEqual(McBinaryAction.NeedMore, frame.Action);
            Assert.Equal(packet.Length, frame.Consumed);
        }
    }

    [Fact]
    public void KeyedRequests_AreForwardedWhole()
    {
        var set = Parse(Request(McBinary.SetQ, "key", StoreExtras(), "value", opaque: 0xdeadbeef));
        Assert.Equal((McBinaryAction.Keyed, McBinary.SetQ, 0xdeadbeefu, 8, 3, 5), (set.Action, set.Opcode, set.Opaque, set.ExtrasLength, set.KeyLength, set.ValueLength));
        Assert.Equal(McBinary.HeaderLength + 8, set.KeyOffset);
        Assert.Equal(McBinaryAction.Keyed, Parse(Request(McBinary.Append, "k", value: "v")).Action);
        Assert.Equal(McBinaryAction.Keyed, Parse(Request(McBinary.GatKQ, "k", Exptime(1))).Action);
    }

    [Fact]
    public void TouchWithExtraBodyBytes_TakesOnlyExtrasAndKey()
    {
        // memcached reads extras and key of TOUCH/GAT and parses what follows as the next packet.
        var frame = Parse(Request(McBinary.Touch, "k", Exptime(1), "junk"));
        Assert.Equal(McBinaryAction.Keyed, frame.Action);
        Assert.Equal(24 + 4 + 1, frame.Consumed);
    }

    [Fact]
    public void Errors_AreDecidedAtExtrasAndKey_WithMemcachedsCloseRule()
    {
        // A SET with 4-byte extras is refused before its value arrives.
        var packet = Request(McBinary.Set, "k", Exptime(1), "a long value that has not arrived");
        Assert.Equal((McBinaryAction.ErrorThenClose, McBinary.InvalidArguments), Pick(Parse(packet[..(24 + 4 + 1)])));
        Assert.Equal((McBinaryAction.ErrorThenClose, McBinary.UnknownCommand), Pick(Parse(Request(McBinary.Get, "abc", bodyLength: 2))));
        Assert.Equal((McBinaryAction.ErrorThenClose, McBinary.InvalidArguments), Pick(Parse(Request(McBinary.Get, new string('k', 251)))));
        Assert.Equal(McBinaryAction.Keyed, Parse(Request(McBinary.Get, new string('k', 250))).Action);
        Assert.Equal((McBinaryAction.ErrorThenClose, McBinary.InvalidArguments), Pick(Parse(Request(McBinary.Get))));
        Assert.Equal((McBinaryAction.ErrorThenClose, McBinary.InvalidArguments), Pick(Parse(Request(McBinary.Flush, extras: StoreExtras()))));
        Assert.Equal(McBinaryAction.Close, Parse(Request(McBinary.Noop, magic: 0x81)).Action);
    }

    [Fact]
    public void UnknownOpcodes_KeepTheConnection_AndSwallowLikeMemcached()
    {
        var frame = Parse(Request(0x1b, extras: Exptime(1)));
        Assert.Equal((McBinaryAction.Error, McBinary.UnknownCommand), Pick(frame));
        Assert.Equal(28, frame.Consumed);
        Assert.Equal(4, frame.Swallow); // body length again, after extras and key: memcached's over-read
    }

    [Fact]
    public void Sasl_WithoutAuthFile_IsUnknown_WithAuthFile_IsServed()
    {
        var auth = Request(McBinary.SaslAuth, "PLAIN", value: "\0u\0p");
        var plain = Parse(auth);
        Assert.Equal((McBinaryAction.Error, McBinary.UnknownCommand), Pick(plain));
        Assert.Equal(4, plain.Swallow); // the value, "\0u\0p"
        var served = Parse(auth, sasl: true, authenticated: false);
        Assert.Equal((McBinaryAction.SaslAuth, auth.Length), (served.Action, served.Consumed));
        Assert.Equal(McBinaryAction.SaslListMechs, Parse(Request(McBinary.SaslListMechs), sasl: true, authenticated: false).Action);
        Assert.Equal(McBinaryAction.Version, Parse(Request(McBinary.Version), sasl: true, authenticated: false).Action);
        Assert.Equal((McBinaryAction.ErrorThenClose, McBinary.AuthError), Pick(Parse(Request(McBinary.Noop), sasl: true, authenticated: false)));
        Assert.Equal((McBinaryAction.Error, McBinary.InvalidArguments), Pick(Parse(Request(McBinary.SaslAuth, new string('M', 33), value: "x"), sasl: true)));
    }

    [Fact]
    public void StoreOverTheLimit_IsTooLarge_AndItsValueSwallowed()
    {
        var packet = Request(McBinary.Set, "k", StoreExtras(), new string('v', 100));
        var frame = Parse(packet[..40], limit: 99);
        Assert.Equal((McBinaryAction.TooLarge, McBinary.TooLarge), Pick(frame));
        Assert.Equal(24 + 8 + 1, frame.Consumed);
        Assert.Equal(100, frame.Swallow);
    }

    [Fact]
    public void QuietOpcodes_MapToTheirLoudTwins()
    {
        Assert.Equal(McBinary.Get, McBinary.Loud(McBinary.GetQ));
        Assert.Equal(McBinary.GatK, McBinary.Loud(McBinary.GatKQ));
        Assert.Equal(McBinary.Prepend, McBinary.Loud(McBinary.PrependQ));
        Assert.Equal(McBinary.Touch, McBinary.Loud(McBinary.Touch));
        Assert.True(McBinary.IsQuietGet(McBinary.GatQ));
        Assert.False(McBinary.IsQuietGet(McBinary.SetQ));
    }

    private static (McBinaryAction, ushort) Pick(McBinaryFrame frame) => (frame.Action, frame.Status);
}
