Console.WriteLine("b");
