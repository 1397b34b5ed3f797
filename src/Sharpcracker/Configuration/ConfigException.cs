namespace Sharpcracker.Configuration;

/// <summary>An invalid configuration; the message names the file, the pool, the key and the problem.</summary>
internal sealed class ConfigException(string message) : Exception(message);
