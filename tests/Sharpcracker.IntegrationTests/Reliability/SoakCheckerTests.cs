namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>The soak's judge can fail: each target it counts is hit by the reply that breaks it (no servers needed).</summary>
public sealed class SoakCheckerTests
{
    private double _now;

    private (SoakChecker Checker, SoakPool Pool) Make()
        => (new SoakChecker(() => _now), new SoakPool("mc", WireProtocol.MemcachedText, 1, "", [("mc0", 2), ("mc1", 3)]));

    [Fact]
    public void WrongKey_NeverWrittenVersion_AreWrongReplies()
    {
        var (checker, pool) = Make();
        var state = new SoakKeyState { MaxSent = 0 };
        Assert.Equal(SoakVerdict.Ok, checker.Judge(pool, "a", state, 0, ["mc0"], 0, new Reply(ReplyKind.Value, "")));
        Assert.Equal(SoakVerdict.WrongReply, checker.Judge(pool, "a", state, -1, ["mc0"], 0, new Reply(ReplyKind.Value, SoakChecker.Value("b", 0))));
        Assert.Equal(SoakVerdict.WrongReply, checker.Judge(pool, "a", state, -1, ["mc0"], 0, new Reply(ReplyKind.Value, SoakChecker.Value("a", 1))));
        Assert.Equal(SoakVerdict.Ok, checker.Judge(pool, "a", state, -1, ["mc0"], 0, new Reply(ReplyKind.Value, SoakChecker.Value("a", 0))));
    }

    [Fact]
    public void MissAfterAcknowledgedWrite_IsLost_UnlessAFaultDestroyedTheKeysData()
    {
        var (checker, pool) = Make();
        var state = new SoakKeyState { MaxSent = 0 };
        checker.Judge(pool, "a", state, 0, ["mc0"], 0, new Reply(ReplyKind.Value, ""));
        _now = 10;
        Assert.Equal(SoakVerdict.LostWrite, checker.Judge(pool, "a", state, -1, ["mc0"], 5, new Reply(ReplyKind.Miss, "")));
        var other = checker.Begin(SoakFaultKind.KillRestart, "mc", new HashSet<string> { "mc1" }, "", key => key != "a");
        other.End = 20;
        Assert.Equal(SoakVerdict.LostWrite, checker.Judge(pool, "a", state, -1, ["mc0"], 10, new Reply(ReplyKind.Miss, "")));
        var kill = checker.Begin(SoakFaultKind.KillRestart, "mc", new HashSet<string> { "mc0" }, "", key => key == "a");
        kill.End = 20;
        Assert.Equal(SoakVerdict.Ok, checker.Judge(pool, "a", state, -1, ["mc0"], 10, new Reply(ReplyKind.Miss, "")));
    }

    [Fact]
    public void Error_IsExplainedOnlyByAFaultOfItsOwnServerAndTime()
    {
        var (checker, pool) = Make();
        var error = new Reply(ReplyKind.Error, "Connection refused");
        _now = 100;
        var fault = checker.Begin(SoakFaultKind.StopContinue, "mc", new HashSet<string> { "mc1" }, "", _ => false);
        _now = 200;
        fault.End = 300;
        Assert.Equal(SoakVerdict.UnexplainedError, checker.Judge(pool, "a", null, -1, ["mc0"], 150, error));
        Assert.Equal(SoakVerdict.ExplainedError, checker.Judge(pool, "a", null, -1, ["mc1"], 150, error));
        _now = 400;
        Assert.Equal(SoakVerdict.UnexplainedError, checker.Judge(pool, "a", null, -1, ["mc1"], 350, error));
        _now = 90;
        Assert.Equal(SoakVerdict.UnexplainedError, checker.Judge(pool, "a", null, -1, ["mc1"], 80, error));
    }
}
