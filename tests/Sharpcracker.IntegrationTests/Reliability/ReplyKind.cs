namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>What one reply to a get or set was.</summary>
public enum ReplyKind
{
    /// <summary>A get's value, or a set's success.</summary>
    Value,

    /// <summary>A get that found nothing.</summary>
    Miss,

    /// <summary>An error reply (<c>SERVER_ERROR</c>, <c>-ERR</c>, binary status other than success and miss); <see cref="Reply.Text"/> is its reason.</summary>
    Error,
}
