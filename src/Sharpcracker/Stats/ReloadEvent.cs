namespace Sharpcracker.Stats;

/// <summary>One reload attempt: Unix time in ms, what triggered it, whether it was applied, and the change summary or the refusal reason.</summary>
internal sealed record ReloadEvent(long AtUnixMs, string Trigger, bool Applied, string Summary);
