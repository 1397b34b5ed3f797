using System.Net.Sockets;
using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.ControlPlane;
using Sharpcracker.Engine;

namespace Sharpcracker.Tests.Pools;

public sealed class ServerHealthTests
{
    private static readonly ServerFailure Refused = ServerFailure.FromSocketError(SocketError.ConnectionRefused);
    private static readonly ServerFailure ResetByPeer = ServerFailure.FromSocketError(SocketError.ConnectionReset);

    [Fact]
    public void BackoffStartsAtTheSecondFailure_DoublesFrom100ms_CappedAtRetryTimeout()
    {
        Assert.Equal(0, ServerHealth.BackoffDelayMs(1, 30000));
        Assert.Equal(100, ServerHealth.BackoffDelayMs(2, 30000));
        Assert.Equal(200, ServerHealth.BackoffDelayMs(3, 30000));
        Assert.Equal(400, ServerHealth.BackoffDelayMs(4, 30000));
        Assert.Equal(30000, ServerHealth.BackoffDelayMs(12, 30000));
        Assert.Equal(30000, ServerHealth.BackoffDelayMs(1000, 30000));
        Assert.Equal(50, ServerHealth.BackoffDelayMs(2, 50));
    }

    [Fact]
    public void WithoutAutoEject_BackoffIsCappedAtTheRecoveryCap_WithAutoEjectAtTheRetryTimeout()
    {
        Assert.Equal(400, ServerHealth.BackoffDelayMs(4, 30000, autoEject: false));
        Assert.Equal(ServerHealth.RecoveryCapMs, ServerHealth.BackoffDelayMs(5, 30000, autoEject: false));
        Assert.Equal(ServerHealth.RecoveryCapMs, ServerHealth.BackoffDelayMs(1000, 30000, autoEject: false));
        Assert.Equal(50, ServerHealth.BackoffDelayMs(9, 50, autoEject: false));
        Assert.Equal(30000, ServerHealth.BackoffDelayMs(1000, 30000, autoEject: true));
        // A long outage: the window never grows past the cap.
        var health = new ServerHealth(autoEject: false, failureLimit: 2, retryTimeoutMs: 30000);
        for (var i = 0; i < 50; i++)
        {
            health.OnConnectionFailed(Refused, ServerConnectionLoss.ConnectFailed, 1000);
        }
        Assert.NotNull(health.RefuseConnect(1000 + ServerHealth.RecoveryCapMs - 1));
        Assert.Null(health.RefuseConnect(1000 + ServerHealth.RecoveryCapMs));
    }

    [Fact]
    public void AfterABackoffWindow_OneConnectionGetsTheAttempt_TheOthersWaitAnotherWindow()
    {
        var health = new ServerHealth(autoEject: false, failureLimit: 2, retryTimeoutMs: 30000);
        Assert.Null(health.TryBeginConnect(1000)); // no back-off: every connection may connect
        Assert.Null(health.TryBeginConnect(1000));
        health.OnConnectionFailed(Refused, ServerConnectionLoss.ConnectFailed, 1000);
        health.OnConnectionFailed(Refused, ServerConnectionLoss.ConnectFailed, 1000); // window: 100 ms
        Assert.Equal("Connection refused", health.TryBeginConnect(1099)?.Text);
        Assert.Null(health.TryBeginConnect(1100)); // the first caller after the window
        Assert.Equal("Connection refused", health.TryBeginConnect(1100)?.Text); // every other caller
        Assert.Equal("Connection refused", health.TryBeginConnect(1199)?.Text);
        Assert.Null(health.TryBeginConnect(1200)); // the attempt's outcome never came: next window
        health.OnReply(); // the server answered: connect at will again
        Assert.Null(health.TryBeginConnect(1201));
        Assert.Null(health.TryBeginConnect(1201));
    }

    [Fact]
    public void WithoutAutoEject_FailuresBackOff_RequestsAreRefusedWithTheLastError_ReplyResets()
    {
        var health = new ServerHealth(autoEject: false, failureLimit: 2, retryTimeoutMs: 30000);
        Assert.Null(health.RefuseConnect(1000));
        Assert.False(health.OnConnectionFailed(Refused, ServerConnectionLoss.ConnectFailed, 1000));
        Assert.Null(health.RefuseConnect(1000)); // first failure: reconnect at once
        Assert.False(health.OnConnectionFailed(ResetByPeer, ServerConnectionLoss.ConnectFailed, 1000));
        Assert.Equal("Connection reset by peer", health.RefuseConnect(1099)?.Text);
        Assert.Null(health.RefuseConnect(1100));
        Assert.False(health.OnConnectionFailed(Refused, ServerConnectionLoss.ConnectFailed, 1100));
        Assert.Equal("Connection refused", health.RefuseConnect(1299)?.Text);
        Assert.Null(health.RefuseConnect(1300));
        Assert.False(health.IsEjected);
        Assert.Equal(3, health.Failures);
        health.OnReply();
        Assert.Equal(0, health.Failures);
        Assert.Null(health.RefuseConnect(1300));
    }

    [Fact]
    public void LostConnections_CountButDoNotBackOff_RefusalsCarryTheLastFailedConnectsReason()
    {
        var health = new ServerHealth(autoEject: false, failureLimit: 2, retryTimeoutMs: 30000);
        Assert.False(health.OnConnectionFailed(ServerFailure.ServerClosed, ServerConnectionLoss.Lost, 1000));
        Assert.False(health.OnConnectionFailed(ResetByPeer, ServerConnectionLoss.Lost, 1000));
        Assert.Equal(2, health.Failures);
        Assert.Null(health.TryBeginConnect(1000)); // no back-off: the server had answered
        Assert.Null(health.TryBeginConnect(1000));
        health.OnConnectionFailed(Refused, ServerConnectionLoss.ConnectFailed, 1000);
        Assert.Null(health.RefuseConnect(1000)); // the first failed connect reconnects at once
        health.OnConnectionFailed(Refused, ServerConnectionLoss.ConnectFailed, 1000);
        health.OnConnectionFailed(ServerFailure.ServerClosed, ServerConnectionLoss.Lost, 1000); // a connection still draining
        Assert.Equal("Connection refused", health.RefuseConnect(1099)?.Text); // not "unknown"
        Assert.Equal("Connection refused", health.TryBeginConnect(1099)?.Text);
        Assert.Equal("unknown", health.LastError); // the report shows the latest failure of any kind
        health.OnReply();
        Assert.Equal(0, health.Failures);
        Assert.Null(health.RefuseConnect(1099));
    }

    [Fact]
    public void AutoEject_EjectsAtTheFailureLimit_ProbeFailureKeepsItOut_ProbeSuccessReadmits()
    {
        var health = new ServerHealth(autoEject: true, failureLimit: 2, retryTimeoutMs: 1000);
        Assert.False(health.OnConnectionFailed(Refused, ServerConnectionLoss.ConnectFailed, 0));
        Assert.True(health.OnConnectionFailed(Refused, ServerConnectionLoss.ConnectFailed, 0));
        Assert.True(health.IsEjected);
        Assert.Equal(1, health.Ejections);
        Assert.True(health.EjectedAtUnixMs > 0);
        Assert.Equal("Connection refused", health.RefuseConnect(long.MaxValue / 2)?.Text);
        // Connections still failing while it is out do not eject it again.
        Assert.False(health.OnConnectionFailed(ServerFailure.TimedOut, ServerConnectionLoss.ConnectFailed, 10));
        Assert.Equal(1, health.Ejections);
        Assert.False(health.OnProbeResult(ServerFailure.TimedOut));
        Assert.True(health.IsEjected);
        Assert.Equal("Connection timed out", health.LastError);
        Assert.True(health.OnProbeResult(null));
        Assert.False(health.IsEjected);
        Assert.Null(health.RefuseConnect(20));
        Assert.Equal(0, health.Failures);
        // A second success report changes nothing.
        Assert.False(health.OnProbeResult(null));
    }

    [Fact]
    public void ReplyBeforeTheLimit_ResetsTheCount_SoScatteredFailuresNeverEject()
    {
        var health = new ServerHealth(autoEject: true, failureLimit: 2, retryTimeoutMs: 1000);
        for (var i = 0; i < 10; i++)
        {
            Assert.False(health.OnConnectionFailed(ServerFailure.ServerClosed, ServerConnectionLoss.ConnectFailed, i));
            health.OnReply();
        }
        Assert.False(health.IsEjected);
    }

    [Fact]
    public void FailureLimitZero_EjectsAtTheFirstFailure()
    {
        var health = new ServerHealth(autoEject: true, failureLimit: 0, retryTimeoutMs: 1000);
        Assert.True(health.OnConnectionFailed(ServerFailure.ServerClosed, ServerConnectionLoss.ConnectFailed, 0));
    }

    [Theory]
    [InlineData(false, null, "VERSION 1.6.18\r\n", true)]
    [InlineData(false, null, "VERSION 1.6", null)]
    [InlineData(false, null, "VERS", null)]
    [InlineData(false, null, "ERROR\r\n", false)]
    [InlineData(false, null, "SERVER_ERROR busy\r\n", false)]
    [InlineData(true, null, "+PONG\r\n", true)]
    [InlineData(true, null, "+PO", null)]
    [InlineData(true, null, "-LOADING Redis is loading the dataset in memory\r\n", false)]
    [InlineData(true, null, "-NOAUTH Authentication required.\r\n", false)]
    [InlineData(true, "pw", "+OK\r\n+PONG\r\n", true)]
    [InlineData(true, "pw", "-WRONGPASS invalid\r\n", false)]
    public void ProbeReply_IsJudgedByTheProtocol(bool redis, string? auth, string reply, bool? healthy)
    {
        var pool = new Sharpcracker.Configuration.PoolConfig
        {
            Name = "p",
            Listen = new Sharpcracker.Configuration.ListenAddress("127.0.0.1:1", "127.0.0.1", 1, null, null),
            Redis = redis,
            RedisAuth = auth,
            Servers = [],
        };
        Assert.Equal(healthy, HealthProbe.IsHealthy(pool, System.Text.Encoding.ASCII.GetBytes(reply)));
        var request = System.Text.Encoding.ASCII.GetString(HealthProbe.RequestFor(pool));
        Assert.Equal(redis ? (auth is null ? "*1\r\n$4\r\nPING\r\n" : "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*1\r\n$4\r\nPING\r\n") : "version\r\n", request);
    }

    [Fact]
    public void Reconfigure_AppliesNewEjectionSettingsFromTheNextFailure()
    {
        var health = new ServerHealth(autoEject: false, failureLimit: 5, retryTimeoutMs: 30000);
        Assert.False(health.OnConnectionFailed(Refused, ServerConnectionLoss.ConnectFailed, 0));
        Assert.False(health.IsEjected);
        health.Reconfigure(autoEject: true, failureLimit: 2, retryTimeoutMs: 700);
        Assert.Equal(700, health.RetryTimeoutMs);
        Assert.True(health.OnConnectionFailed(Refused, ServerConnectionLoss.ConnectFailed, 0));
        Assert.True(health.IsEjected);
    }
}
