namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>The faults the soak's fault loop injects, one at a time.</summary>
public enum SoakFaultKind
{
    /// <summary>kill -9 of a memcached or redis-server, restarted (empty) on its port after a pause.</summary>
    KillRestart,

    /// <summary>SIGSTOP of a memcached or redis-server, SIGCONT after a pause longer than the pool's timeout.</summary>
    StopContinue,

    /// <summary>The spare server added to or removed from a pool by editing the file and SIGHUP.</summary>
    Reload,

    /// <summary>SENTINEL FAILOVER of the Sentinel pool's group.</summary>
    SentinelFailover,
}
