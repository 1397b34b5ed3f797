using Sharpcracker.Protocols.Memcached;
using static Sharpcracker.Tests.Protocols.Memcached.TestBytes;

namespace Sharpcracker.Tests.Protocols.Memcached;

public sealed class McMetaReplyFramerTests
{
    [Theory]
    [InlineData("HD\r\n", 4)]
    [InlineData("HD O1 kfoo c5\r\nHD\r\n", 15)]
    [InlineData("EN\r\n", 4)]
    [InlineData("NF O7\r\n", 7)]
    [InlineData("NS\r\n", 4)]
    [InlineData("EX\r\n", 4)]
    [InlineData("MN\r\n", 4)]
    [InlineData("ME k exp=-1 la=0 cas=2 fetch=no cls=1 size=63\r\n", 47)]
    [InlineData("VA 2 f0\r\nhi\r\n", 13)]
    [InlineData("VA 0\r\n\r\n", 8)]
    // Data that looks like replies is just data.
    [InlineData("VA 6\r\nHD\r\n\r\n\r\nEN\r\n", 14)]
    [InlineData("CLIENT_ERROR bad data chunk\r\n", 29)]
    [InlineData("SERVER_ERROR out of memory\r\n", 28)]
    [InlineData("ERROR\r\n", 7)]
    // Incomplete.
    [InlineData("", 0)]
    [InlineData("HD", 0)]
    [InlineData("HD\r", 0)]
    [InlineData("VA 2\r\nh", 0)]
    [InlineData("VA 2\r\nhi\r", 0)]
    [InlineData("VA 100 f1\r\nxyz", 0)]
    // Not a meta reply: the stream is out of step.
    [InlineData("STORED\r\n", -1)]
    [InlineData("END\r\n", -1)]
    [InlineData("VALUE a 0 1\r\nx\r\nEND\r\n", -1)]
    [InlineData("HDX\r\n", -1)]
    [InlineData("VA x\r\n", -1)]
    [InlineData("VA 2x\r\nhi\r\n", -1)]
    [InlineData("VA 2\r\nhiXY", -1)]
    [InlineData("VA 99999999999\r\n", -1)]
    public void FramesOneReply(string data, int expected)
    {
        Assert.Equal(expected, McMetaReplyFramer.Frame(Bytes(data), McMetaQuiet.None));
        Assert.Equal(expected, McMetaReplyFramer.Frame(Bytes(data), McMetaQuiet.HideMiss));
    }

    [Theory]
    [InlineData("MN\r\n", 4)]
    [InlineData("MN\r\nHD\r\n", 4)]
    [InlineData("VA 1\r\n5\r\nMN\r\n", 13)]
    [InlineData("HD O1\r\nMN\r\n", 11)]
    [InlineData("CLIENT_ERROR opaque token too long\r\nMN\r\n", 40)]
    [InlineData("VA 1\r\n5\r\n", 0)]
    [InlineData("VA 1\r\n5\r\nM", 0)]
    [InlineData("VA 1\r\n5\r\nMN\r", 0)]
    [InlineData("VA 1\r\n5\r\nHD\r\n", -1)]
    [InlineData("NF\r\nNF\r\n", -1)]
    public void SentinelReplyEndsAtMn(string data, int expected)
    {
        Assert.Equal(expected, McMetaReplyFramer.Frame(Bytes(data), McMetaQuiet.Sentinel));
    }

    [Theory]
    [InlineData("None", "EN\r\n", "EN\r\n")]
    [InlineData("None", "HD\r\n", "HD\r\n")]
    [InlineData("HideMiss", "EN\r\n", "")]
    [InlineData("HideMiss", "EN O1 kx\r\n", "")]
    [InlineData("HideMiss", "HD\r\n", "HD\r\n")]
    [InlineData("HideMiss", "VA 1\r\nx\r\n", "VA 1\r\nx\r\n")]
    [InlineData("HideMiss", "CLIENT_ERROR opaque token too long\r\n", "CLIENT_ERROR opaque token too long\r\n")]
    [InlineData("HideStored", "HD O1\r\n", "")]
    [InlineData("HideStored", "NS O1\r\n", "NS O1\r\n")]
    [InlineData("HideStored", "EX\r\n", "EX\r\n")]
    [InlineData("HideStored", "NF\r\n", "NF\r\n")]
    [InlineData("HideStored", "CLIENT_ERROR bad data chunk\r\n", "CLIENT_ERROR bad data chunk\r\n")]
    [InlineData("HideSuccess", "HD\r\n", "")]
    [InlineData("HideSuccess", "VA 2 O1\r\n12\r\n", "")]
    [InlineData("HideSuccess", "NF\r\n", "NF\r\n")]
    [InlineData("HideSuccess", "EX\r\n", "EX\r\n")]
    [InlineData("HideSuccess", "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n")]
    [InlineData("Sentinel", "MN\r\n", "")]
    [InlineData("Sentinel", "VA 1\r\n5\r\nMN\r\n", "VA 1\r\n5\r\n")]
    public void ShowsWhatMemcachedShowsUnderQ(string quiet, string reply, string visible)
    {
        Assert.Equal(visible, Text(McMetaReplyFramer.Visible(Enum.Parse<McMetaQuiet>(quiet), Bytes(reply))));
    }
}
