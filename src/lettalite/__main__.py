from lettalite.cli import main

main()
