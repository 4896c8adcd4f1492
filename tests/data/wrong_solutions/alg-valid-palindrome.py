def is_palindrome(s):
    # Bug: isalpha drops digits, which must also be compared.
    cleaned = [ch.lower() for ch in s if ch.isalpha()]
    return cleaned == cleaned[::-1]
