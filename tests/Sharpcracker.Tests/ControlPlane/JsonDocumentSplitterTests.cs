using System.Text;
using Sharpcracker.ControlPlane.Moxi;

namespace Sharpcracker.Tests.ControlPlane;

public sealed class JsonDocumentSplitterTests
{
    [Fact]
    public void DocumentsSplitAnywhere_SeparatedByAnyWhitespace()
    {
        var text = "{\"a\":\"x}\\\"{\"}\n\n\n\n {\"b\":[1,{\"c\":2}]}\r\n\t[3]";
        var whole = new JsonDocumentSplitter().Feed(Encoding.UTF8.GetBytes(text));
        Assert.Equal(["{\"a\":\"x}\\\"{\"}", "{\"b\":[1,{\"c\":2}]}", "[3]"], whole.Select(d => Encoding.UTF8.GetString(d)));
        // Byte by byte gives the same documents.
        var splitter = new JsonDocumentSplitter();
        var pieces = Encoding.UTF8.GetBytes(text).SelectMany(b => splitter.Feed([b])).Select(d => Encoding.UTF8.GetString(d));
        Assert.Equal(whole.Select(d => Encoding.UTF8.GetString(d)), pieces);
    }

    [Fact]
    public void GarbageBetweenDocuments_AndOversizedDocuments_Throw()
    {
        Assert.Throws<FormatException>(() => new JsonDocumentSplitter().Feed("{} x"u8));
        Assert.Throws<FormatException>(() => new JsonDocumentSplitter(10).Feed("{\"aaaaaaaaaaaa\":1}"u8));
    }
}
