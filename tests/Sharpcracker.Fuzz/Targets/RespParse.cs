using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.Fuzz;

/// <summary>One RespRequestParser result, arguments as hex: compared across prefixes.</summary>
internal readonly record struct RespParse(RespParseStatus Status, int Consumed, long Needed, string? Error, string Args);
