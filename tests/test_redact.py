"""Names in free text replaced by roles (report annexes, exports with text)."""
from auditdocs.redact import known_names, replace_names


def test_names_whole_and_in_parts_become_roles_and_words_stay(library):
    spec = library.get("csc_case_file_audit")
    subject = {"given_names": "Amelia Rose", "family_name": "Testworth", "case_number": "9901001",
               "social_worker": "Sam Invented", "team_manager": "Jo Fictional", "auditor": "Priya Madeup",
               "date_of_birth": "2015-03-04"}
    names = known_names(spec, subject)
    text = ("Amelia Rose Testworth was seen alone. Amelia's views are recorded; the risk rose in June. "
            "Mrs Testworth agreed. SAM INVENTED visited; Jo discussed it with Priya Madeup. 9901001 stays.")
    assert replace_names(text, names) == (
        "[child] was seen alone. [child]'s views are recorded; the risk rose in June. "
        "Mrs [child] agreed. [social worker] visited; [team manager] discussed it with [auditor]. 9901001 stays.")


def test_other_scripts_and_a_carer_form(library):
    spec = library.get("foster_carer_case_file_audit")
    subject = {h.id: "" for h in spec.header}
    subject.update(foster_carer_name="Zainab Ṣāliḥ-Notreal", social_worker="李 小龙")
    names = known_names(spec, subject)
    assert replace_names("Zainab Ṣāliḥ-Notreal and 李 小龙 met; Zainab was pleased.", names) == (
        "[foster carer] and [social worker] met; [foster carer] was pleased.")
    assert replace_names("", names) == "" and replace_names("No names here.", {}) == "No names here."


def test_the_small_words_of_a_name_stay_and_children_placed_are_names(library):
    spec = library.get("foster_carer_case_file_audit")
    subject = {"family_name": "Harlow", "given_names": "Denise and Mark", "foster_carer_name": "Denise and Mark Harlow",
               "children_placed": "Ruby Ellwood (placed 2025), Theo de Notreal", "social_worker": "Gemma Testworth"}
    names = known_names(spec, subject)
    assert replace_names("Mark and Denise were seen and Ruby is settled (placed in 2025); Theo and de Notreal too.",
                         names) == ("[foster carer] and [foster carer] were seen and [child placed] is settled "
                                    "(placed in 2025); [child placed] and de [child placed] too.")
