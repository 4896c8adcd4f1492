def is_valid_brackets(s):
    opener_of = {")": "(", "]": "[", "}": "{"}
    stack = []
    for ch in s:
        if ch in opener_of:
            if not stack or stack.pop() != opener_of[ch]:
                return False
        else:
            stack.append(ch)
    # Bug: unclosed openers left on the stack are ignored.
    return True
