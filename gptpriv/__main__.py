from gptpriv.cli import main

main()
