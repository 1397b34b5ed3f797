using Microsoft.Extensions.Logging;
using Sharpcracker.Hosting;

namespace Sharpcracker.Tests.Hosting;

public sealed class CommandLineOptionsTests
{
    private static CommandLineOptions Parse(params string[] args) => CommandLineOptions.Parse(args);

    [Fact]
    public void DefaultsMatchNutcracker()
    {
        var o = Parse();
        Assert.False(o.ShowHelp);
        Assert.False(o.ShowVersion);
        Assert.False(o.TestConfig);
        Assert.False(o.Daemonize);
        Assert.False(o.DescribeStats);
        Assert.Equal(5, o.Verbosity);
        Assert.Null(o.OutputFile);
        Assert.Equal("conf/nutcracker.yml", o.ConfigFile);
        Assert.Equal(22222, o.StatsPort);
        Assert.Equal("0.0.0.0", o.StatsAddress);
        Assert.Equal(30000, o.StatsIntervalMs);
        Assert.Null(o.PidFile);
        Assert.Equal(16384, o.MbufSize);
    }

    [Theory]
    [InlineData("-h", "help")]
    [InlineData("--help", "help")]
    [InlineData("-V", "version")]
    [InlineData("--version", "version")]
    [InlineData("-t", "test")]
    [InlineData("--test-conf", "test")]
    [InlineData("-d", "daemonize")]
    [InlineData("--daemonize", "daemonize")]
    [InlineData("-D", "describe")]
    [InlineData("--describe-stats", "describe")]
    public void BooleanFlags(string flag, string which)
    {
        var o = Parse(flag);
        Assert.Equal(which == "help", o.ShowHelp);
        Assert.Equal(which == "version", o.ShowVersion);
        Assert.Equal(which == "test", o.TestConfig);
        Assert.Equal(which == "daemonize", o.Daemonize);
        Assert.Equal(which == "describe", o.DescribeStats);
    }

    [Fact]
    public void SeveralBooleanFlagsTogether()
    {
        var o = Parse("-t", "-d", "--describe-stats");
        Assert.True(o.TestConfig);
        Assert.True(o.Daemonize);
        Assert.True(o.DescribeStats);
        Assert.False(o.ShowHelp);
    }

    [Theory]
    [InlineData("-v6")]
    [InlineData("-v", "6")]
    [InlineData("--verbose=6")]
    [InlineData("--verbose", "6")]
    [InlineData("--verbosity=6")]
    public void VerbosityForms(params string[] args)
    {
        Assert.Equal(6, CommandLineOptions.Parse(args).Verbosity);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("11")]
    public void VerbosityRange(string value)
    {
        Assert.Equal(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture), Parse("-v", value).Verbosity);
    }

    [Fact]
    public void EveryValueFlagShortAndLong()
    {
        var shortForm = Parse("-o", "/tmp/log", "-c", "/etc/n.yml", "-s", "2222", "-a", "127.0.0.1", "-i", "5000", "-p", "/tmp/pid", "-m", "512");
        var longForm = Parse("--output=/tmp/log", "--conf-file=/etc/n.yml", "--stats-port=2222", "--stats-addr=127.0.0.1",
            "--stats-interval=5000", "--pid-file=/tmp/pid", "--mbuf-size=512");
        var attached = Parse("-o/tmp/log", "-c/etc/n.yml", "-s2222", "-a127.0.0.1", "-i5000", "-p/tmp/pid", "-m512");
        var separate = Parse("--output", "/tmp/log", "--conf-file", "/etc/n.yml", "--stats-port", "2222", "--stats-addr", "127.0.0.1",
            "--stats-interval", "5000", "--pid-file", "/tmp/pid", "--mbuf-size", "512");
        foreach (var o in new[] { shortForm, longForm, attached, separate })
        {
            Assert.Equal("/tmp/log", o.OutputFile);
            Assert.Equal("/etc/n.yml", o.ConfigFile);
            Assert.Equal(2222, o.StatsPort);
            Assert.Equal("127.0.0.1", o.StatsAddress);
            Assert.Equal(5000, o.StatsIntervalMs);
            Assert.Equal("/tmp/pid", o.PidFile);
            Assert.Equal(512, o.MbufSize);
            Assert.Equal(5, o.Verbosity);
        }
    }

    [Fact]
    public void MbufSizeBounds()
    {
        Assert.Equal(512, Parse("-m", "512").MbufSize);
        Assert.Equal(16777216, Parse("-m", "16777216").MbufSize);
    }

    [Fact]
    public void LaterFlagWins()
    {
        Assert.Equal(3, Parse("-v", "7", "--verbose=3").Verbosity);
        Assert.Equal("b.yml", Parse("-c", "a.yml", "-c", "b.yml").ConfigFile);
    }

    [Fact]
    public void ValueMayStartWithADash()
    {
        Assert.Equal("-", Parse("-o", "-").OutputFile);
    }

    [Theory]
    [InlineData("-m", "100")]
    [InlineData("-m", "511")]
    [InlineData("-m", "16777217")]
    [InlineData("-m", "0")]
    [InlineData("--mbuf-size=abc")]
    [InlineData("-v", "12")]
    [InlineData("-v", "-1")]
    [InlineData("-v", "x")]
    [InlineData("-v", "")]
    [InlineData("-v", " 5")]
    [InlineData("-s", "0")]
    [InlineData("-s", "65536")]
    [InlineData("-s", "port")]
    [InlineData("-i", "x")]
    [InlineData("-i", "-5")]
    [InlineData("-v")]
    [InlineData("-c")]
    [InlineData("--conf-file")]
    [InlineData("-x")]
    [InlineData("--bogus")]
    [InlineData("--bogus=1")]
    [InlineData("-hx")]
    [InlineData("stray")]
    [InlineData("-")]
    public void InvalidArguments(params string[] args)
    {
        var e = Assert.Throws<ArgumentException>(() => CommandLineOptions.Parse(args));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void OutOfRangeMessageNamesTheValueAndRange()
    {
        var message = Assert.Throws<ArgumentException>(() => Parse("-m", "100")).Message;
        Assert.Contains("'100'", message, StringComparison.Ordinal);
        Assert.Contains("512", message, StringComparison.Ordinal);
        Assert.Contains("16777216", message, StringComparison.Ordinal);
        var v = Assert.Throws<ArgumentException>(() => Parse("-v", "12")).Message;
        Assert.Contains("'12'", v, StringComparison.Ordinal);
        Assert.Contains("11", v, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFlagMessageNamesTheFlag()
    {
        Assert.Contains("bogus", Assert.Throws<ArgumentException>(() => Parse("--bogus")).Message, StringComparison.Ordinal);
        Assert.Contains("'x'", Assert.Throws<ArgumentException>(() => Parse("-x")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpTextListsEveryFlag()
    {
        var help = CommandLineOptions.HelpText("9.9.9");
        Assert.StartsWith("This is sharpcracker-9.9.9", help, StringComparison.Ordinal);
        foreach (var flag in new[] { "-h, --help", "-V, --version", "-t, --test-conf", "-d, --daemonize", "-D, --describe-stats",
                     "-v, --verbose=N", "-o, --output=S", "-c, --conf-file=S", "-s, --stats-port=N", "-a, --stats-addr=S",
                     "-i, --stats-interval=N", "-p, --pid-file=S", "-m, --mbuf-size=N" })
        {
            Assert.Contains(flag, help, StringComparison.Ordinal);
        }
        Assert.Contains("default: 5, min: 0, max: 11", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, LogLevel.Critical)]
    [InlineData(1, LogLevel.Critical)]
    [InlineData(2, LogLevel.Critical)]
    [InlineData(3, LogLevel.Error)]
    [InlineData(4, LogLevel.Warning)]
    [InlineData(5, LogLevel.Information)]
    [InlineData(6, LogLevel.Information)]
    [InlineData(7, LogLevel.Debug)]
    [InlineData(8, LogLevel.Trace)]
    [InlineData(11, LogLevel.Trace)]
    public void LogLevelsMapNutcrackerVerbosity(int verbosity, LogLevel level)
    {
        Assert.Equal(level, LogLevels.FromVerbosity(verbosity));
    }

    [Fact]
    public void StatsDescriptionMatchesNutcrackerLayout()
    {
        var text = StatsDescription.Render();
        Assert.StartsWith("pool stats:\n", text, StringComparison.Ordinal);
        Assert.Contains("\n  client_eof          \"# eof on client connections\"\n", text, StringComparison.Ordinal);
        Assert.Contains("\n  server_ejected_at   \"timestamp when server was ejected in usec since epoch\"\n", text, StringComparison.Ordinal);
        Assert.Contains("\n\nserver stats:\n", text, StringComparison.Ordinal);
        var lines = text.Split("\nsharpcracker notes:")[0].Split('\n'); // nutcracker's part; ours follows
        string[] pool = ["client_eof", "client_err", "client_connections", "server_ejects", "forward_error", "fragments"];
        string[] server = ["server_eof", "server_err", "server_timedout", "server_connections", "server_ejected_at", "requests",
            "request_bytes", "responses", "response_bytes", "in_queue", "in_queue_bytes", "out_queue", "out_queue_bytes"];
        string[] expectedNames = [.. pool, .. server];
        var statLines = lines.Where(l => l.StartsWith("  ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(expectedNames, statLines.Select(l => l[2..22].TrimEnd()));
        foreach (var line in statLines)
        {
            // printf("  %-20s\"%s\""): the name left-justified in 20 columns, then the quoted description.
            Assert.Equal('"', line[22]);
            Assert.EndsWith("\"", line, StringComparison.Ordinal);
            Assert.NotEqual(' ', line[2]);
        }
        Assert.Equal(1 + pool.Length + 1 + 1 + server.Length + 1, lines.Length);
    }

    [Fact]
    public void BundledShortFlags_AreSplitLikeGetopt()
    {
        var o = CommandLineOptions.Parse(["-dt", "-Dv7"]);
        Assert.True(o.Daemonize);
        Assert.True(o.TestConfig);
        Assert.True(o.DescribeStats);
        Assert.Equal(7, o.Verbosity);
        Assert.Equal("-dt", CommandLineOptions.Parse(["-o", "-dt"]).OutputFile);
    }
}
