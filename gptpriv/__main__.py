from gptpriv.entry import main

main()
