using BenchmarkDotNet.Running;

// Examples:
//   dotnet run -c Release --project bench/Sharpcracker.Bench -- --filter '*Hash*'
//   dotnet run -c Release --project bench/Sharpcracker.Bench -- --filter '*Ketama*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Sharpcracker.Bench.HashBenchmarks).Assembly).Run(args);
