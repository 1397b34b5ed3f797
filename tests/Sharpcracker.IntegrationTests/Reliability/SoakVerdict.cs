namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>What the soak's checker made of one reply.</summary>
public enum SoakVerdict
{
    /// <summary>The key's own value (a version it may hold), a miss it may give, or a set acknowledged.</summary>
    Ok,

    /// <summary>An error while a fault touched the request's server (listed per fault kind).</summary>
    ExplainedError,

    /// <summary>An error, a closed connection or no reply while no fault touched the request's server: target 0.</summary>
    UnexplainedError,

    /// <summary>Another key's value, a version never written, a malformed reply: target 0.</summary>
    WrongReply,

    /// <summary>A miss or an older value for a key whose acknowledged write went to a server nothing disturbed since: target 0.</summary>
    LostWrite,
}
