namespace Sharpcracker.Distribution;

public enum DistributionKind
{
    Ketama,
    Modula,
    Random,
}
