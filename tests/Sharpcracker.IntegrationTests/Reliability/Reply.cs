namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>One reply as a <see cref="ProtocolClient"/> read it: its kind and the value (for <see cref="ReplyKind.Value"/>) or the reason (for <see cref="ReplyKind.Error"/>).</summary>
public readonly record struct Reply(ReplyKind Kind, string Text)
{
    public override string ToString() => Kind switch
    {
        ReplyKind.Value => Text.Length > 40 ? $"value {Text[..40]}… ({Text.Length} bytes)" : $"value {Text}",
        ReplyKind.Miss => "miss",
        _ => "error " + Text,
    };
}
