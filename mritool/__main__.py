from mritool.cli import main

main(prog_name="mritool")
