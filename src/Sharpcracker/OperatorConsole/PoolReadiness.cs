
namespace Sharpcracker.OperatorConsole;

internal sealed record PoolReadiness(string Pool, bool Ready, string Reason);
